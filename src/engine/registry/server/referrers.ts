// GET /v2/<name>/referrers/<digest>[?artifactType=]: an OCI index of the
// manifests whose `subject` is that digest (an empty one when there are none).
import { isRegistryDigest as isDigest } from '../storage/digests.js';
import { MediaType } from '../../store/oci.js';
import { sendJson, type Handler } from './context.js';
import { registryError } from './errors.js';

export const listReferrers: Handler = async (ctx) => {
  const digest = ctx.params.digest!;
  if (!isDigest(digest)) throw registryError('DIGEST_INVALID', { digest });
  let manifests = await ctx.storage.listReferrers(ctx.params.name!, digest);
  const artifactType = ctx.query.get('artifactType');
  const headers: Record<string, string> = { 'Content-Type': MediaType.OciIndex };
  if (artifactType !== null) {
    manifests = manifests.filter((m) => m.artifactType === artifactType);
    headers['OCI-Filters-Applied'] = 'artifactType';
  }
  sendJson(ctx, 200, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }, headers);
};
