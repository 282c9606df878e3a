// GET /v2/: the version check every client starts with (and where a client
// learns how to authenticate, from the 401 the auth layer answers).
import { sendJson, type Handler } from './context.js';

export const getBase: Handler = async (ctx) => sendJson(ctx, 200, {});
