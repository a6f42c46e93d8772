/**
 * OpenTelemetry tracing, off unless asked for: the SDK starts only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test passes an exporter), and is
 * not even loaded otherwise. Redis commands get spans through
 * instrumentation-ioredis; trace context crosses nodes as a W3C traceparent.
 * Why it is set up this way (ESM and patching, worker threads, the
 * propagator): docs/tracing.md.
 */
import { createRequire } from 'node:module';
import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

export type { SpanExporter };

export interface TracingOptions {
  /** resource attribute service.name */
  serviceName: string;
  /** resource attribute service.instance.id: this node's id */
  nodeId: string;
  /** export here, span by span (tests); without it, OTLP to OTEL_EXPORTER_OTLP_ENDPOINT */
  exporter?: SpanExporter;
}

export interface Tracing {
  /** Flush and stop; the OpenTelemetry API is a no-op again afterwards. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = 'wschat';

const NOT_STARTED: Tracing = { shutdown: async () => {} };

/** CommonJS require: the SDK is loaded only when tracing starts; ioredis is patched through it. */
const requireCjs = createRequire(import.meta.url);

let running = false;

export function startTracing(options: TracingOptions): Tracing {
  if (options.exporter === undefined && !process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return NOT_STARTED;
  if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return NOT_STARTED;
  if (running) throw new Error('startTracing: tracing is already started');

  const { NodeSDK } = requireCjs('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { SimpleSpanProcessor } = requireCjs('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { OTLPTraceExporter } = requireCjs(
    '@opentelemetry/exporter-trace-otlp-proto',
  ) as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  const { IORedisInstrumentation } = requireCjs(
    '@opentelemetry/instrumentation-ioredis',
  ) as typeof import('@opentelemetry/instrumentation-ioredis');
  const resources = requireCjs('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const semconv = requireCjs(
    '@opentelemetry/semantic-conventions',
  ) as typeof import('@opentelemetry/semantic-conventions');

  // Ours last: service.name and service.instance.id are what the caller says,
  // whatever OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES hold.
  const resource = resources
    .defaultResource()
    .merge(
      resources.detectResources({
        detectors: [resources.envDetector, resources.hostDetector, resources.processDetector],
      }),
    )
    .merge(
      resources.resourceFromAttributes({
        [semconv.ATTR_SERVICE_NAME]: options.serviceName,
        [semconv.ATTR_SERVICE_INSTANCE_ID]: options.nodeId,
      }),
    );

  const ioredis = new IORedisInstrumentation();
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    ...(options.exporter !== undefined
      ? { spanProcessors: [new SimpleSpanProcessor({ exporter: options.exporter })] }
      : { traceExporter: new OTLPTraceExporter() }),
    instrumentations: [ioredis],
    // Traces only: without these NodeSDK would also export metrics and logs over OTLP.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // Patch the CommonJS ioredis instance that `import ... from 'ioredis'` shares (see the header).
  requireCjs('ioredis');
  running = true;

  let stopped: Promise<void> | undefined;
  return {
    shutdown() {
      stopped ??= sdk.shutdown().finally(() => {
        ioredis.disable();
        trace.disable();
        context.disable();
        propagation.disable();
        running = false;
      });
      return stopped;
    },
  };
}

/** Whether spans are recorded: callers skip building spans on hot paths when not. */
export function isTracing(): boolean {
  return running;
}

/**
 * Runs `work` inside a new active span named `name`, ended when it settles;
 * with tracing off, just runs it (and `options` is never called).
 */
export function withSpan<T>(name: string, options: () => SpanOptions, work: () => Promise<T>): Promise<T> {
  if (!running) return work();
  return tracer.startActiveSpan(name, options(), async (span) => {
    try {
      return await work();
    } finally {
      span.end();
    }
  });
}

/**
 * The 'wschat' tracer. It asks the global provider on each use (cached per
 * provider), so it follows startTracing and shutdown, any number of times.
 */
class WschatTracer implements Tracer {
  private provider: TracerProvider | undefined;
  private current: Tracer | undefined;

  private tracer(): Tracer {
    const provider = trace.getTracerProvider();
    if (provider !== this.provider || this.current === undefined) {
      this.provider = provider;
      this.current = provider.getTracer(TRACER_NAME);
    }
    return this.current;
  }

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    return this.tracer().startSpan(name, options, ctx);
  }

  startActiveSpan: Tracer['startActiveSpan'] = ((...args: unknown[]): unknown => {
    const tracer = this.tracer();
    return (tracer.startActiveSpan as (...a: unknown[]) => unknown).apply(tracer, args);
  }) as Tracer['startActiveSpan'];
}

export const tracer: Tracer = new WschatTracer();

const w3c = new W3CTraceContextPropagator();

/** W3C traceparent of the span in `ctx` (default: the active context); '' when there is none or tracing is off. */
export function traceparentOf(ctx: Context = context.active()): string {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier.traceparent ?? '';
}

/** A context whose (remote) span is the one `traceparent` names; ROOT_CONTEXT when it is empty or invalid. */
export function contextFromTraceparent(traceparent: string): Context {
  if (typeof traceparent !== 'string' || traceparent.length === 0 || traceparent.length > 256) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
}
