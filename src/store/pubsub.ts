/**
 * Topic subscriptions over one subscriber connection per node. Payloads are
 * handed over as Buffers, undecoded: fan-out forwards the bytes as they came.
 * Messages published while the connection is down are lost to it; ioredis
 * subscribes again to every topic once it is back, and the control topic's
 * beacons (control-topic.ts) tell when the subscription is whole again, so
 * that listeners read what they missed from where it is stored.
 */
import type { EventEmitter } from 'node:events';
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** How often a cluster's new subscriber connection is looked for after the last one closed. */
const CLUSTER_WATCH_MS = 50;

export type TopicHandler = (payload: Buffer) => void;

export class PubSub {
  readonly #subscriber: RedisClient;
  readonly #handlers = new Map<string, TopicHandler>();
  readonly #disconnected: (() => void)[] = [];

  constructor(subscriber: RedisClient) {
    this.#subscriber = subscriber;
    subscriber.on('messageBuffer', (topic: Buffer, payload: Buffer) => {
      this.#handlers.get(topic.toString())?.(payload);
    });
    subscriber.on('close', () => this.#lost());
    if (subscriber instanceof Cluster) this.#watchClusterSubscriber(subscriber);
  }

  #lost(): void {
    for (const listener of this.#disconnected) listener();
  }

  /**
   * A cluster client replaces its subscriber connection without a word: it
   * closes the one that failed and opens another (ClusterSubscriber, not
   * public API). So each one is watched for its close, and the next watched
   * once it exists — a reconnect that takes only milliseconds is still a
   * gap in which notices were lost.
   */
  #watchClusterSubscriber(cluster: Cluster): void {
    const source = (cluster as unknown as { subscriber?: { getInstance(): EventEmitter | null } }).subscriber;
    if (source === undefined) return;
    let watched: EventEmitter | null = null;
    const watch = (): void => {
      const instance = source.getInstance();
      if (instance === null || instance === watched) {
        if (cluster.status !== 'end') setTimeout(watch, CLUSTER_WATCH_MS).unref();
        return;
      }
      watched = instance;
      instance.once('close', () => {
        this.#lost();
        watch();
      });
    };
    watch();
  }

  /** Calls `listener` each time the subscriber connection closes: messages published from then on are lost to it. */
  onDisconnected(listener: () => void): void {
    this.#disconnected.push(listener);
  }

  /** Routes the topic's messages to `handler` (one handler per topic). */
  async subscribe(topic: string, handler: TopicHandler): Promise<void> {
    this.#handlers.set(topic, handler);
    try {
      await this.#subscriber.subscribe(topic);
    } catch (error) {
      this.#handlers.delete(topic);
      throw error;
    }
  }

  async unsubscribe(topic: string): Promise<void> {
    this.#handlers.delete(topic);
    await this.#subscriber.unsubscribe(topic);
  }
}
