/** watch: replaces the set of extension pushes this connection gets. */
import { watchFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';

export const handleWatch: Handler<'watch'> = async (ctx, request) =>
  watchFrame(await ctx.connection.watch(request.watch.events), ctx.id);
