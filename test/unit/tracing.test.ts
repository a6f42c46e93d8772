import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, type ProxyTracerProvider, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
// A static ESM import, loaded before tracing starts, exactly as in the server.
import { Redis } from 'ioredis';
import {
  contextFromTraceparent,
  startTracing,
  type Tracing,
  traceparentOf,
  tracer,
} from '../../src/telemetry/tracing.js';
import { startTestRedis } from '../helpers/redis.js';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

/**
 * The spans exported so far, once pending exports are done: an export waits
 * for the resource's asynchronous attributes (host.id), so the first spans
 * reach the exporter a little after they end.
 */
async function finished(exporter: InMemorySpanExporter): Promise<ReadableSpan[]> {
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as { forceFlush?(): Promise<void> };
  await provider.forceFlush?.();
  return exporter.getFinishedSpans();
}

describe('tracing off', () => {
  it('startTracing without an exporter or OTEL_EXPORTER_OTLP_ENDPOINT starts nothing', async () => {
    const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    try {
      const tracing = startTracing({ serviceName: 'wschat', nodeId: 'n0' });
      const span = tracer.startSpan('nothing');
      assert.equal(span.isRecording(), false);
      assert.equal(traceparentOf(trace.setSpan(ROOT_CONTEXT, span)), '');
      span.end();
      await tracing.shutdown();
    } finally {
      if (saved !== undefined) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
    }
  });

  it("traceparentOf returns '' for the active context and inside a no-op span", () => {
    assert.equal(traceparentOf(), '');
    tracer.startActiveSpan('noop', (span) => {
      assert.equal(traceparentOf(), '');
      span.end();
    });
  });

  it('a received traceparent still passes through a no-op child span', () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const span = tracer.startSpan('relay', {}, contextFromTraceparent(incoming));
    assert.equal(traceparentOf(trace.setSpan(ROOT_CONTEXT, span)), incoming);
    span.end();
  });
});

describe('contextFromTraceparent', () => {
  it('gives ROOT_CONTEXT for empty or invalid input', () => {
    for (const bad of [
      '',
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01', // all-zero trace id
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', // all-zero span id
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', // version ff
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra', // v00 with extra part
      '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01', // upper case
    ]) {
      assert.equal(contextFromTraceparent(bad), ROOT_CONTEXT, bad);
      assert.equal(trace.getSpanContext(contextFromTraceparent(bad)), undefined, bad);
    }
  });

  it('reads trace id, span id and flags of a valid traceparent as a remote parent', () => {
    const spanContext = trace.getSpanContext(
      contextFromTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
    );
    assert.deepEqual(
      { ...spanContext, traceState: undefined },
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
        isRemote: true,
        traceState: undefined,
      },
    );
  });
});

describe('tracing on (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;

  before(() => {
    tracing = startTracing({ serviceName: 'wschat-test', nodeId: 'node-1', exporter });
  });
  after(async () => {
    await tracing.shutdown();
  });

  it('refuses a second start while running', () => {
    assert.throws(() => startTracing({ serviceName: 'x', nodeId: 'y', exporter }), /already started/);
  });

  it('carries a trace across a traceparent string: same trace id, parent span id', async () => {
    exporter.reset();
    let sent = '';
    tracer.startActiveSpan('publish', { kind: SpanKind.PRODUCER }, (span) => {
      sent = traceparentOf();
      assert.equal(sent, traceparentOf(context.active()));
      span.end();
    });
    assert.match(sent, TRACEPARENT);

    // Elsewhere (another node): nothing active, only the string.
    assert.equal(traceparentOf(), '');
    tracer.startActiveSpan('deliver', { kind: SpanKind.CONSUMER }, contextFromTraceparent(sent), (span) => span.end());

    const spans = await finished(exporter);
    const publish = spans.find((s) => s.name === 'publish')!;
    const deliver = spans.find((s) => s.name === 'deliver')!;
    assert.ok(publish && deliver);
    assert.equal(sent, `00-${publish.spanContext().traceId}-${publish.spanContext().spanId}-01`);
    assert.equal(deliver.spanContext().traceId, publish.spanContext().traceId);
    assert.equal(deliver.parentSpanContext?.spanId, publish.spanContext().spanId);
    assert.equal(deliver.parentSpanContext?.isRemote, true);
    assert.notEqual(deliver.spanContext().spanId, publish.spanContext().spanId);
    assert.equal(publish.parentSpanContext, undefined);
  });

  it('puts service.name and service.instance.id on the resource', async () => {
    exporter.reset();
    tracer.startSpan('r').end();
    const [span] = await finished(exporter);
    assert.equal(span!.resource.attributes['service.name'], 'wschat-test');
    assert.equal(span!.resource.attributes['service.instance.id'], 'node-1');
    assert.equal(span!.instrumentationScope.name, 'wschat');
  });

  it('makes a span per Redis command of an ESM-imported ioredis inside a span', async () => {
    const server = await startTestRedis();
    const redis = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
    try {
      await redis.ping();
      exporter.reset();
      await tracer.startActiveSpan('request', async (span) => {
        await redis.set('otelprobe:tracing-test', '1', 'PX', 10_000);
        await redis.del('otelprobe:tracing-test');
        span.end();
      });
      const spans = await finished(exporter);
      const request = spans.find((s) => s.name === 'request')!;
      const set = spans.filter((s) => s.name === 'set');
      assert.equal(set.length, 1, spans.map((s) => s.name).join());
      assert.equal(set[0]!.instrumentationScope.name, '@opentelemetry/instrumentation-ioredis');
      assert.equal(set[0]!.parentSpanContext?.spanId, request.spanContext().spanId);
      assert.equal(set[0]!.attributes['db.query.text'], 'set otelprobe:tracing-test [3 other arguments]');
      assert.equal(spans.filter((s) => s.name === 'del').length, 1);
    } finally {
      redis.disconnect();
      await server.cleanup();
    }
  });
});

describe('after shutdown', () => {
  it('is a no-op again, and tracing can start again', async () => {
    assert.equal(tracer.startSpan('off').isRecording(), false);
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ serviceName: 'wschat-test', nodeId: 'node-2', exporter });
    tracer.startActiveSpan('again', (span) => {
      assert.match(traceparentOf(), TRACEPARENT);
      span.end();
    });
    assert.deepEqual(
      (await finished(exporter)).map((s) => s.name),
      ['again'],
    );
    await tracing.shutdown();
    assert.equal(tracer.startSpan('off').isRecording(), false);
  });
});
