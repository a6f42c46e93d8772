/**
 * Optional ESM loader hook for OpenTelemetry instrumentation:
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 \
 *     node --import ./otel/register.mjs dist/src/main.js
 *
 * Instrumentations patch `import`ed packages through import-in-the-middle,
 * which sees an import only if its loader hook is registered before the
 * application's modules are loaded: hence `--import` (module.register() from
 * main.js itself would come too late for its static imports). This file only
 * registers the hook; the SDK is started by startTracing() in
 * src/telemetry/tracing.ts, and import-in-the-middle replays the modules it
 * wrapped to the instrumentation enabled then.
 *
 * ioredis does not need this file: it is CommonJS, and startTracing patches
 * the shared CommonJS instance through require() (see tracing.ts). It is here
 * for instrumentations of ESM-only packages, and as the documented way
 * (https://github.com/open-telemetry/opentelemetry-js/blob/main/doc/esm-support.md,
 * which still shows the older equivalent
 * `--experimental-loader=@opentelemetry/instrumentation/hook.mjs`).
 *
 * It does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set (the condition
 * under which startTracing starts the SDK), and nothing in worker threads,
 * which inherit --import but do no tracing. `include` limits the hook to the
 * packages instrumented; add a package here when you add its instrumentation.
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const INSTRUMENTED = ['ioredis'];

if (isMainThread && process.env.OTEL_EXPORTER_OTLP_ENDPOINT && process.env.OTEL_SDK_DISABLED !== 'true') {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED } });
}
