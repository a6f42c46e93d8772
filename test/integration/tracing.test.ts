/**
 * Traces across nodes: two nodes in this process share one in-memory span
 * exporter, and one channelMessage sent on node A makes one trace — the
 * request's receive and validate spans, the channel actor's send, its Redis
 * command, and a push span on each node, whose parent is the send (it
 * travelled in the feed entry's traceparent).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { type ChatNode, startChatNode } from '../../src/chat-node.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { joined, send } from '../helpers/chat.js';
import { ChatClient, sleep } from '../helpers/client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

describe('tracing across two nodes', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let redis: TestRedis;
  const nodes: ChatNode[] = [];
  const clients: ChatClient[] = [];

  before(async () => {
    tracing = startTracing({ serviceName: 'wschat-test', nodeId: 'test', exporter });
    redis = await startTestRedis();
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', WORKER_THREADS: '1' });
    const log = createLogger('silent');
    for (const nodeId of ['node-a', 'node-b']) {
      nodes.push(await startChatNode(config, { url: redis.url }, log, nodeId));
    }
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const node of nodes) await node.stop();
    await tracing.shutdown();
    await redis.cleanup();
  });

  it('follows one message from the request on node A to the push on both nodes in one trace', async () => {
    const [a, b] = nodes.map((node) => `ws://127.0.0.1:${node.port}/ws`) as [string, string];
    const sender = await ChatClient.signedUp(a, `tracer${Date.now()}`);
    const receiver = await ChatClient.signedUp(b, `listener${Date.now()}`);
    clients.push(sender, receiver);
    await joined(sender, 0);
    await joined(receiver, 0);
    exporter.reset();

    await send(sender, 0, 'traced');
    const [push] = await receiver.waitForPushes(1);
    assert.equal(push?.channelMessage.message, 'traced');

    // Node A's push span may end a moment after the reply: wait for both (bounded).
    const pushSpans = (): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === 'chat.push');
    for (let i = 0; i < 50 && pushSpans().length < 2; i++) await sleep(50);

    const spans = exporter.getFinishedSpans();
    const sendSpan = spans.find((span) => span.name === 'chat.channel.send');
    assert.ok(sendSpan, `a chat.channel.send span among ${spans.map((span) => span.name).join(', ')}`);
    const traceId = sendSpan.spanContext().traceId;
    const inTrace = spans.filter((span) => span.spanContext().traceId === traceId);
    const names = inTrace.map((span) => span.name);

    const receive = inTrace.find((span) => span.name === 'chat.receive');
    assert.ok(receive, `chat.receive in ${names.join(', ')}`);
    assert.equal(receive.parentSpanContext, undefined, 'the request span is the root');
    assert.equal(receive.attributes['wschat.node'], 'node-a');
    const validate = inTrace.find((span) => span.name === 'chat.validate');
    assert.equal(validate?.parentSpanContext?.spanId, receive.spanContext().spanId, 'validate is a child of receive');
    assert.equal(
      sendSpan.parentSpanContext?.spanId,
      receive.spanContext().spanId,
      'the actor span is a child of receive',
    );
    const redisSpan = inTrace.find((span) => span.parentSpanContext?.spanId === sendSpan.spanContext().spanId);
    assert.ok(redisSpan, `a Redis command span under the send in ${names.join(', ')}`);
    assert.match(redisSpan.name, /^eval/);

    const pushes = inTrace.filter((span) => span.name === 'chat.push');
    assert.deepEqual(pushes.map((span) => span.attributes['wschat.node']).sort(), ['node-a', 'node-b']);
    for (const pushSpan of pushes) {
      assert.equal(pushSpan.parentSpanContext?.spanId, sendSpan.spanContext().spanId, 'each push continues the send');
    }
    const onB = pushes.find((span) => span.attributes['wschat.node'] === 'node-b');
    assert.equal(onB?.attributes['wschat.recipients'], 1, 'node B pushed to its one joined connection');
  });
});
