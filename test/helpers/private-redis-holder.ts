/**
 * A process that finds its Redis as a node does with no Redis around —
 * a private redis-server in the data directory given — prints where, and
 * holds it until SIGTERM (then stops it) or until it is killed with -9.
 */
import { locateRedis } from '../../src/store/redis-location.js';

const dir = process.argv[2]!;
// Port 1 never answers: the private redis-server is what is left.
const location = await locateRedis({ clusterNodes: undefined, url: undefined }, dir, 'redis://127.0.0.1:1');
console.log(JSON.stringify({ url: location.target.url, source: location.source }));
process.on('SIGTERM', () => {
  void location.stop().then(() => process.exit(0));
});
setInterval(() => {}, 60_000);
