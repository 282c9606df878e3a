// GET /v2/_catalog?n=&last=: the repositories, sorted, paginated with Link.
import { paginate, sendJson, type Handler } from './context.js';

export const getCatalog: Handler = async (ctx) => {
  const { items, headers } = paginate(ctx, await ctx.storage.listRepositories());
  sendJson(ctx, 200, { repositories: items }, headers);
};
