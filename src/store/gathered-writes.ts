/**
 * A Redis connection's command writes of one event-loop iteration, sent in
 * one socket write. ioredis writes each command to its socket as it is
 * issued — one syscall per command — and a busy node issues hundreds per
 * iteration (a send for every request of every socket read in the poll
 * phase). Corked at the first write of an iteration and uncorked in its
 * check phase (setImmediate), they leave together, in the order issued,
 * before the loop waits for I/O again. Nothing else changes: ioredis counts
 * a command as sent once it is written to the socket either way, so what a
 * lost connection leaves unknown is the same as before.
 */
import type { Cluster, Redis } from 'ioredis';

type Write = (...args: unknown[]) => boolean;

/** Every connection of `client` (each node's, for a cluster) sends an iteration's commands in one write. */
export function gatherWritesPerIteration(client: Redis | Cluster): void {
  if ('nodes' in client) {
    client.on('+node', (node: Redis) => gatherOnConnect(node));
    for (const node of client.nodes()) gatherOnConnect(node);
  } else {
    gatherOnConnect(client);
  }
}

/** Each new socket of the connection (one per reconnect) gathers its writes. */
function gatherOnConnect(redis: Redis): void {
  redis.on('connect', () => gather(redis.stream));
}

function gather(socket: Redis['stream']): void {
  const write = socket.write as Write;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function gathered(...args: unknown[]): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write.apply(socket, args);
  } as typeof socket.write;
}
