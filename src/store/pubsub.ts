/**
 * Topic subscriptions over one subscriber connection per node. Payloads are
 * handed over as Buffers, undecoded: fan-out forwards the bytes as they came.
 * Messages published while the connection is down are lost to it; ioredis
 * subscribes again to every topic once it is back, and the control topic's
 * beacons (control-topic.ts) tell when the subscription is whole again, so
 * that listeners read what they missed from where it is stored.
 */
import type { RedisClient } from './redis-client.js';

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
    subscriber.on('close', () => {
      for (const listener of this.#disconnected) listener();
    });
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
