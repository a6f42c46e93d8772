/**
 * Topic subscriptions over one subscriber connection per node. Payloads are
 * handed over as Buffers, undecoded: fan-out forwards the bytes as they came.
 */
import type { RedisClient } from './redis-client.js';

export type TopicHandler = (payload: Buffer) => void;

export class PubSub {
  readonly #subscriber: RedisClient;
  readonly #handlers = new Map<string, TopicHandler>();

  constructor(subscriber: RedisClient) {
    this.#subscriber = subscriber;
    subscriber.on('messageBuffer', (topic: Buffer, payload: Buffer) => {
      this.#handlers.get(topic.toString())?.(payload);
    });
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
