// OpenTelemetry SDK plumbing shared by the SDK tests: a tracer provider exporting to tracerelay with
// the real OTLP exporters, and an exporter wrapper that records every export result, so a test that
// fails because the server refused a batch says so (the SDK itself only logs export errors).
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter as OTLPHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-node";

export interface ExportRecord {
  spans: number;
  code: number;
  error?: string;
}

/** Wraps an exporter; `records` gets one entry per export call with its result code (0 = success). */
export function recordingExporter(inner: SpanExporter): { exporter: SpanExporter; records: ExportRecord[] } {
  const records: ExportRecord[] = [];
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done) {
      inner.export(spans, (result) => {
        records.push({ spans: spans.length, code: result.code, error: result.error ? String(result.error) : undefined });
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
  return { exporter, records };
}

export type ExporterKind = "proto" | "http-json";

export interface ProviderOptions {
  /** tracerelay origin, e.g. http://127.0.0.1:4318 */
  url: string;
  secretKey: string;
  exporter: ExporterKind;
  gzip?: boolean;
  processor?: "simple" | "batch";
  resource?: Record<string, string>;
  /** Path to post to; default /v1/traces. */
  path?: string;
  headers?: Record<string, string>;
}

export function otlpExporter(o: { url: string; kind: ExporterKind; gzip?: boolean; headers: Record<string, string> }): SpanExporter {
  const config = {
    url: o.url,
    headers: o.headers,
    compression: o.gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    timeoutMillis: 10_000,
  };
  return o.kind === "proto" ? new OTLPProtoExporter(config) : new OTLPHttpJsonExporter(config);
}

/** A NodeTracerProvider (not registered globally) exporting to tracerelay. */
export function tracerelayProvider(o: ProviderOptions): { provider: NodeTracerProvider; records: ExportRecord[] } {
  const inner = otlpExporter({
    url: `${o.url}${o.path ?? "/v1/traces"}`,
    kind: o.exporter,
    gzip: o.gzip,
    headers: { authorization: `Bearer ${o.secretKey}`, ...o.headers },
  });
  const { exporter, records } = recordingExporter(inner);
  const processor = o.processor === "batch" ? new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 }) : new SimpleSpanProcessor(exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(o.resource ?? { "service.name": "tracerelay-e2e" }),
    spanProcessors: [processor],
  });
  return { provider, records };
}

let contextManagerInstalled = false;
/** Installs the AsyncLocalStorage context manager once per worker (instrumentations and Langfuse need it). */
export function installContextManager(): void {
  if (contextManagerInstalled) return;
  contextManagerInstalled = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** Formats a millisecond epoch like the canonical span's timestamps: RFC 3339 UTC, microseconds. */
export function microIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Pulls the item array out of a list answer (`{traces: […]}`, `{data: […]}`, `{items: […]}` or a bare array). */
export function listItems<T = Record<string, unknown>>(json: unknown): T[] {
  if (Array.isArray(json)) return json as T[];
  const o = (json ?? {}) as Record<string, unknown>;
  for (const key of ["traces", "data", "items", "sessions", "results"]) if (Array.isArray(o[key])) return o[key] as T[];
  throw new Error(`no item array in list answer: ${JSON.stringify(json).slice(0, 300)}`);
}
