/**
 * This node's part in keeping presence right across nodes: it renews its own
 * heartbeat every third of the TTL, and sweeps the nodes whose heartbeat ran
 * out — their users leave presence (one script) and the public channel's
 * members (a 'nodeGone' entry in its feed). A node that finds its own heartbeat
 * had run out (a long pause, or Redis lost it) records its users again.
 */
import type { ChannelFeed } from '../store/channel-feed.js';
import type { NodeRegistry } from '../store/node-registry.js';
import type { Logger } from '../telemetry/logger.js';

export interface NodeWatchDeps {
  nodes: NodeRegistry;
  /** The public channel's feed: where a gone node's memberships end. */
  publicFeed: ChannelFeed;
  /** Records this node's users again, after it was found swept. */
  reassert: () => Promise<void>;
  log: Logger;
  /** NODE_TTL_MS. */
  ttlMs: number;
}

export class NodeWatch {
  readonly #deps: NodeWatchDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(deps: NodeWatchDeps) {
    this.#deps = deps;
  }

  /** The first heartbeat (registers the node), then one round every third of the TTL. */
  async start(): Promise<void> {
    await this.#deps.nodes.heartbeat(this.#deps.ttlMs);
    this.#timer = setInterval(
      () => {
        this.#running ??= this.round().finally(() => (this.#running = undefined));
      },
      Math.max(100, Math.floor(this.#deps.ttlMs / 3)),
    ).unref();
  }

  /** One heartbeat and one sweep; failures are logged and retried next round. */
  async round(): Promise<void> {
    const { nodes, log } = this.#deps;
    try {
      if (!(await nodes.heartbeat(this.#deps.ttlMs))) {
        log.warn({ nodeId: nodes.nodeId }, 'this node had been given up for dead; recording its users again');
        await this.#deps.reassert();
      }
      for (const nodeId of await nodes.deadNodes()) {
        if (await nodes.sweep(nodeId)) log.info({ deadNode: nodeId }, 'swept a dead node');
      }
      await this.#settleGone();
    } catch (error) {
      log.warn({ err: error }, 'node heartbeat or sweep failed');
    }
  }

  /** Graceful exit: stop beating and sweep this node at once instead of after the TTL. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    const { nodes } = this.#deps;
    await nodes.stopBeating();
    await nodes.sweep(nodes.nodeId);
    await this.#settleGone();
  }

  async #settleGone(): Promise<void> {
    const { nodes, publicFeed } = this.#deps;
    for (const nodeId of await nodes.gone()) {
      await publicFeed.appendNodeGone(nodeId);
      await publicFeed.forget(nodeId);
      await nodes.settled(nodeId);
    }
  }
}
