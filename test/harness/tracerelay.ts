// Starts the REAL tracerelay process (`node bin/tracerelay.ts start`, or one scale-out role) for end-to-end tests and
// benchmarks: a temp data dir, fixed test keys, an optional YAML config, readiness by `/health/ready`,
// captured logs, graceful stop (SIGTERM, then SIGKILL after a timeout), crash (SIGKILL) and restart on
// the same data dir and port. Reads go through the real HTTP API (`api`, `waitForTrace`).
//
// Invariants: every child started here is killed when the test worker exits, even on failure; a start
// that does not become ready in time fails with the child's last log lines in the error message.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Node 24 from node_modules (the system node may be older). */
export const NODE_BIN = existsSync(join(REPO_ROOT, "node_modules/.bin/node")) ? join(REPO_ROOT, "node_modules/.bin/node") : process.execPath;

export interface StartOptions {
  /** YAML text (written to `<dataDir>/../tracerelay.yaml`) or a path to an existing config file. */
  config?: string | { file: string };
  /** Extra environment variables for the child (override the defaults below). */
  env?: Record<string, string | undefined>;
  /** Reuse a data dir instead of a fresh temp dir (it is then not removed by `close`). */
  dataDir?: string;
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  publicKey?: string;
  secretKey?: string;
  /** How long to wait for readiness; default 60 s (chDB's first load can be slow on a busy machine). */
  readyTimeoutMs?: number;
  /** Graceful stop budget before SIGKILL; default 15 s. */
  stopTimeoutMs?: number;
  /** Log level for the child; default "info". */
  logLevel?: string;
  /** Echo the child's output to this process's stderr (also with TRACERELAY_TEST_ECHO=1). */
  echo?: boolean;
  /** Script to run instead of bin/tracerelay.ts (e.g. a stub, or a future scale-out entry point). */
  bin?: string;
  /** Extra CLI arguments after the standard ones. */
  args?: string[];
  /**
   * The command to run: "start" (default, every role) or a scale-out role ("ingest", "route",
   * "deliver", "explorer"); combine roles with `args: ["--with", "explorer"]`. Scale-out roles need a
   * Kafka bus (config `bus.kind: kafka` or env TRACERELAY_BUS_KIND=kafka + TRACERELAY_KAFKA_BROKERS).
   */
  command?: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else undefined. */
  json: T;
  text: string;
}

export interface WaitOptions {
  /** Wait until at least this many spans are readable. */
  spans?: number;
  /** Additional condition on the trace (e.g. an update merged in). */
  until?: (trace: TraceView) => boolean;
  timeoutMs?: number;
  intervalMs?: number;
  /**
   * Also wait until the answer is self-consistent (`span_count` equals the number of `spans`). Default
   * true: the summary and the span list are read by two queries, and while spans are still being
   * written one answer can mix two moments (seen: 4 spans listed, span_count 1, totals of 1 span).
   */
  consistent?: boolean;
}

/** The subset of `GET /api/v1/traces/:id` the tests read; everything else stays reachable by index. */
export interface TraceView {
  trace_id: string;
  name?: string | null;
  span_count?: number;
  total_input_tokens?: number;
  total_output_tokens?: number;
  total_cost_usd?: number | null;
  session_id?: string | null;
  user_id?: string | null;
  spans: SpanView[];
  [key: string]: unknown;
}

export interface SpanView {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: string;
  start_time: string;
  end_time?: string | null;
  status?: string;
  session_id?: string | null;
  user_id?: string | null;
  environment?: string | null;
  service_name?: string | null;
  model?: string | null;
  provider?: string | null;
  model_parameters?: Record<string, unknown>;
  input?: unknown;
  output?: unknown;
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    total_tokens?: number;
    cache_read_tokens?: number;
    cache_write_tokens?: number;
    reasoning_tokens?: number;
  };
  stop_reason?: string | null;
  tool_calls?: Array<{ id?: string | null; name: string; arguments?: unknown }>;
  attributes?: Record<string, unknown>;
  source?: { format: string; convention?: string | null };
  [key: string]: unknown;
}

export interface Tracerelay {
  /** e.g. http://127.0.0.1:40123 (stable across `restart`). */
  url: string;
  port: number;
  publicKey: string;
  secretKey: string;
  dataDir: string;
  configFile?: string;
  child: ChildProcess;
  /** The child's output lines (stdout and stderr, interleaved, newest last; bounded). */
  logs: string[];
  /** `Authorization: Bearer sk-…` */
  authHeaders(): Record<string, string>;
  /** `Authorization: Basic base64(pk:sk)` (Langfuse paths). */
  basicAuthHeaders(): Record<string, string>;
  /** Calls the API with the secret key (unless `init.headers` sets its own authorization). */
  api<T = unknown>(path: string, init?: RequestInit & { auth?: boolean }): Promise<ApiResponse<T>>;
  /** Polls `GET /api/v1/traces/:id` until the trace has `spans` spans (and `until` holds). */
  waitForTrace(traceId: string, opts?: WaitOptions): Promise<TraceView>;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`. Resolves with the exit code (or signal name). */
  stop(): Promise<number | string | null>;
  /** SIGKILL now (a crash). */
  kill9(): Promise<void>;
  /** Starts the process again on the same data dir, port and config; waits for readiness. */
  restart(): Promise<void>;
  /** Stops and removes the temp dir (unless a data dir was given or TRACERELAY_TEST_KEEP=1). */
  close(): Promise<void>;
  /** JSON log records the child printed (lines that parse as JSON). */
  logRecords(): Array<Record<string, unknown>>;
}

const LOG_LIMIT = 2000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

export function randomKeys(): { publicKey: string; secretKey: string } {
  return { publicKey: `pk-tr-${randomBytes(12).toString("hex")}`, secretKey: `sk-tr-${randomBytes(24).toString("hex")}` };
}

export async function startTracerelay(opts: StartOptions = {}): Promise<Tracerelay> {
  installExitHook();
  const keys = randomKeys();
  const publicKey = opts.publicKey ?? keys.publicKey;
  const secretKey = opts.secretKey ?? keys.secretKey;
  const ownDir = opts.dataDir === undefined;
  const root = ownDir ? await mkdtemp(join(tmpdir(), "tracerelay-e2e-")) : undefined;
  const dataDir = opts.dataDir ?? join(root as string, "data");
  let configFile: string | undefined;
  if (typeof opts.config === "string") {
    configFile = join(root ?? dirname(dataDir), `tracerelay-${randomBytes(4).toString("hex")}.yaml`);
    await writeFile(configFile, opts.config);
  } else if (opts.config) {
    configFile = opts.config.file;
  }
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  const echo = opts.echo ?? process.env.TRACERELAY_TEST_ECHO === "1";
  const logs: string[] = [];

  const env: Record<string, string | undefined> = {
    ...process.env,
    TRACERELAY_INIT_PUBLIC_KEY: publicKey,
    TRACERELAY_INIT_SECRET_KEY: secretKey,
    TRACERELAY_LOG_LEVEL: opts.logLevel ?? "info",
    TRACERELAY_HOST: "127.0.0.1",
    ...opts.env,
  };
  // A stray TRACERELAY_CONFIG / TRACERELAY_PORT in the developer's shell must not leak in.
  if (!opts.env?.TRACERELAY_CONFIG) delete env.TRACERELAY_CONFIG;
  if (!opts.env?.TRACERELAY_PORT) delete env.TRACERELAY_PORT;
  if (!opts.env?.TRACERELAY_DATA_DIR) delete env.TRACERELAY_DATA_DIR;

  const pushLine = (stream: "out" | "err", line: string) => {
    if (!line) return;
    logs.push(stream === "err" ? `[stderr] ${line}` : line);
    if (logs.length > LOG_LIMIT) logs.splice(0, logs.length - LOG_LIMIT);
    if (echo) process.stderr.write(`[tracerelay] ${line}\n`);
  };

  interface Spawned {
    child: ChildProcess;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    started: Promise<string>;
  }

  function spawnChild(port: number): Spawned {
    const args = [opts.bin ?? join(REPO_ROOT, "bin/tracerelay.ts"), opts.command ?? "start", "--port", String(port), "--data-dir", dataDir];
    if (configFile) args.push("--config", configFile);
    if (opts.args) args.push(...opts.args);
    const child = spawn(NODE_BIN, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    let resolveStarted!: (url: string) => void;
    const started = new Promise<string>((r) => {
      resolveStarted = r;
    });
    const splitter = (stream: "out" | "err") => {
      let buf = "";
      return (chunk: Buffer) => {
        buf += chunk.toString("utf8");
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          pushLine(stream, line);
          if (line.includes("tracerelay started")) {
            try {
              const rec = JSON.parse(line) as { msg?: string; url?: string };
              if (rec.msg === "tracerelay started" && rec.url) resolveStarted(rec.url);
            } catch {
              // not JSON: ignore
            }
          }
          nl = buf.indexOf("\n");
        }
      };
    };
    child.stdout?.on("data", splitter("out"));
    child.stderr?.on("data", splitter("err"));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => {
      child.on("exit", (code, signal) => {
        live.delete(child);
        pushLine("err", `(process exited: code=${code} signal=${signal})`);
        r({ code, signal });
      });
    });
    return { child, exited, started };
  }

  // Last lines for error messages; long lines (stack traces with SQL) are cut so the cause stays readable.
  const tail = (n = 40) =>
    logs
      .slice(-n)
      .map((l) => (l.length > 600 ? `${l.slice(0, 600)}… (${l.length} chars)` : l))
      .join("\n");

  async function waitReady(s: Spawned): Promise<string> {
    const deadline = Date.now() + readyTimeoutMs;
    let failed: string | undefined;
    void s.exited.then(({ code, signal }) => {
      failed = `tracerelay exited before it was ready (code=${code}, signal=${signal})`;
    });
    const timeout = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
    let url: string | undefined;
    while (!url) {
      if (failed) throw new Error(`${failed}\n--- last output ---\n${tail()}`);
      if (Date.now() > deadline) break;
      url = await timeout(s.started, 100);
    }
    if (url) {
      url = url.replace("://0.0.0.0", "://127.0.0.1").replace("://[::]", "://127.0.0.1").replace(/\/$/, "");
      while (Date.now() < deadline) {
        if (failed) throw new Error(`${failed}\n--- last output ---\n${tail()}`);
        try {
          const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          if (res.status === 200) return url;
        } catch {
          // not listening yet
        }
        await sleep(100);
      }
    }
    s.child.kill("SIGKILL");
    await s.exited;
    throw new Error(`tracerelay did not become ready within ${readyTimeoutMs} ms (data dir ${dataDir})\n--- last output ---\n${tail()}`);
  }

  let current = spawnChild(opts.port ?? 0);
  let url: string;
  try {
    url = await waitReady(current);
  } catch (err) {
    if (ownDir && process.env.TRACERELAY_TEST_KEEP !== "1" && root) await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    throw err;
  }
  const port = Number(new URL(url).port);

  const handle: Tracerelay = {
    url,
    port,
    publicKey,
    secretKey,
    dataDir,
    configFile,
    child: current.child,
    logs,
    authHeaders: () => ({ authorization: `Bearer ${secretKey}` }),
    basicAuthHeaders: () => ({ authorization: `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString("base64")}` }),
    async api<T = unknown>(path: string, init: RequestInit & { auth?: boolean } = {}): Promise<ApiResponse<T>> {
      const headers = new Headers(init.headers);
      if (init.auth !== false && !headers.has("authorization") && !headers.has("x-api-key")) headers.set("authorization", `Bearer ${secretKey}`);
      const res = await fetch(`${handle.url}${path}`, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(30_000) });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, json: json as T, text };
    },
    async waitForTrace(traceId: string, w: WaitOptions = {}): Promise<TraceView> {
      const want = w.spans ?? 1;
      const deadline = Date.now() + (w.timeoutMs ?? 20_000);
      const interval = w.intervalMs ?? 150;
      let last: ApiResponse<TraceView> | undefined;
      let lastError: unknown;
      while (Date.now() < deadline) {
        try {
          last = await handle.api<TraceView>(`/api/v1/traces/${traceId}`);
          const tv = last.json;
          const consistent = w.consistent === false || typeof tv?.span_count !== "number" || tv.span_count === tv.spans?.length;
          if (last.status === 200 && Array.isArray(tv?.spans) && tv.spans.length >= want && consistent && (!w.until || w.until(tv))) return tv;
        } catch (err) {
          lastError = err;
        }
        await sleep(interval);
      }
      const got =
        last === undefined
          ? `no answer (${String(lastError)})`
          : last.status === 200
            ? `${last.json?.spans?.length ?? 0} span(s) (span_count ${last.json?.span_count}): ${JSON.stringify(last.json?.spans?.map((s) => `${s.name}/${s.kind}/${s.span_id}`))}${w.until ? " (or `until` never held)" : ""}`
            : `HTTP ${last.status} ${last.text.slice(0, 300)}`;
      throw new Error(`trace ${traceId}: wanted ${want} span(s) within ${w.timeoutMs ?? 20_000} ms, got ${got}\n--- last output ---\n${tail(20)}`);
    },
    async stop() {
      const s = current;
      if (s.child.exitCode !== null || s.child.signalCode !== null) {
        const r = await s.exited;
        return r.code ?? r.signal;
      }
      s.child.kill("SIGTERM");
      const killer = setTimeout(() => s.child.kill("SIGKILL"), stopTimeoutMs);
      const r = await s.exited;
      clearTimeout(killer);
      return r.code ?? r.signal;
    },
    async kill9() {
      const s = current;
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
      await s.exited;
    },
    async restart() {
      await handle.stop();
      // Same port so clients keep their URL; a just-freed port can be briefly busy, so retry a little.
      let lastErr: unknown;
      for (let attempt = 0; attempt < 5; attempt++) {
        current = spawnChild(handle.port);
        try {
          const newUrl = await waitReady(current);
          handle.url = newUrl;
          handle.child = current.child;
          return;
        } catch (err) {
          lastErr = err;
          if (!/EADDRINUSE/.test(String(err))) throw err;
          await sleep(300);
        }
      }
      throw lastErr;
    },
    async close() {
      await handle.stop();
      if (ownDir && process.env.TRACERELAY_TEST_KEEP !== "1" && root) await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
    logRecords() {
      const out: Array<Record<string, unknown>> = [];
      for (const line of logs) {
        if (!line.startsWith("{")) continue;
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // partial line
        }
      }
      return out;
    },
  };
  return handle;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Random W3C ids, lowercase hex. */
export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}
export function newSpanId(): string {
  return randomBytes(8).toString("hex");
}

/** Finds exactly one span by name (fails with the names present otherwise). */
export function spanByName(trace: TraceView, name: string): SpanView {
  const hits = trace.spans.filter((s) => s.name === name);
  if (hits.length !== 1) {
    throw new Error(`expected exactly one span named "${name}" in trace ${trace.trace_id}, found ${hits.length}; spans: ${JSON.stringify(trace.spans.map((s) => s.name))}`);
  }
  return hits[0];
}
