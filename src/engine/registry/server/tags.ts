// GET /v2/<name>/tags/list?n=&last=: a repository's tags, sorted, paginated
// with Link; NAME_UNKNOWN for a repository the registry does not hold.
import { paginate, sendJson, type Handler } from './context.js';
import { registryError } from './errors.js';

export const listTags: Handler = async (ctx) => {
  const name = ctx.params.name!;
  const tags = (await ctx.storage.listTags(name)).map((t) => t.tag);
  if (tags.length === 0 && !(await ctx.storage.listRepositories()).includes(name)) throw registryError('NAME_UNKNOWN', { name });
  const { items, headers } = paginate(ctx, tags);
  sendJson(ctx, 200, { name, tags: items }, headers);
};
