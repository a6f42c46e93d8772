/**
 * Topic subscriptions over one subscriber connection per node. Payloads are
 * handed over as Buffers, undecoded: fan-out forwards the bytes as they came.
 * Messages published while the connection was down are lost to it, so after
 * each reconnect `onResubscribed` listeners are told, once every topic is
 * subscribed again, to read what they missed from where it is stored.
 */
import type { RedisClient } from './redis-client.js';

export type TopicHandler = (payload: Buffer) => void;

export class PubSub {
  readonly #subscriber: RedisClient;
  readonly #handlers = new Map<string, TopicHandler>();
  readonly #resubscribed: (() => void)[] = [];

  constructor(subscriber: RedisClient) {
    this.#subscriber = subscriber;
    subscriber.on('messageBuffer', (topic: Buffer, payload: Buffer) => {
      this.#handlers.get(topic.toString())?.(payload);
    });
    // ioredis emits 'ready' just before it sends the SUBSCRIBE that restores
    // the topics; a PING queued after it answers once they are in force.
    subscriber.on('ready', () => {
      setImmediate(() => {
        subscriber.ping().then(
          () => {
            for (const listener of this.#resubscribed) listener();
          },
          () => {}, // Down again: the next 'ready' tries again.
        );
      });
    });
  }

  /** Calls `listener` each time the connection is back with every topic subscribed again. */
  onResubscribed(listener: () => void): void {
    this.#resubscribed.push(listener);
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
