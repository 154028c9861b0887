// Starts a real S3-compatible server (S3Proxy, from the jars install.ts fetched) as a local process
// for tests and development:
//
//   const s3 = await startS3Server();   // installs if needed, starts on 127.0.0.1, waits until it answers
//   s3.endpoint, s3.accessKeyId, s3.secretAccessKey, s3.region
//   await s3.stop();                     // SIGTERM, then SIGKILL after 10 s; deletes the data directory
//
// S3Proxy checks AWS Signature V2/V4 against one access key pair (random per start), so signing is
// really exercised: a wrong secret gets SignatureDoesNotMatch, an unknown key InvalidAccessKeyId.
// Storage is the in-memory `transient-nio2` backend (nothing on disk but logs). The server binds port 0
// and we read the port it got from its log ("Started … ServerConnector …{127.0.0.1:PORT}"), so there is
// no free-port race. A `sh` watchdog kills the JVM if this Node process dies without stop().
// Also runnable: `node scripts/s3/server.ts` starts one and prints its endpoint until Ctrl-C.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { installS3Proxy, S3PROXY_VERSION } from "./install.ts";

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Stops the server and removes its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartS3Options {
  /** How long to wait for the server to answer. Default 60 s (a cold JVM on 2 busy cores). */
  startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

const LISTENING = /Started \S*ServerConnector\S*\{[^}]*\}\{127\.0\.0\.1:(\d+)\}/;

export async function startS3Server(options: StartS3Options = {}): Promise<S3Server> {
  const libs = installS3Proxy(S3PROXY_VERSION, () => {});
  const dir = mkdtempSync(path.join(os.tmpdir(), "tracerelay-s3-"));
  const accessKeyId = `TR${randomBytes(8).toString("hex").toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString("base64url");
  const props = path.join(dir, "s3proxy.properties");
  writeFileSync(
    props,
    [
      "s3proxy.endpoint=http://127.0.0.1:0",
      "s3proxy.authorization=aws-v2-or-v4",
      `s3proxy.identity=${accessKeyId}`,
      `s3proxy.credential=${secretAccessKey}`,
      "jclouds.provider=transient-nio2",
      "jclouds.identity=unused",
      "jclouds.credential=unused",
      "",
    ].join("\n"),
  );
  const logConfig = path.join(dir, "logback.xml");
  writeFileSync(
    logConfig,
    '<configuration><appender name="OUT" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%d{HH:mm:ss.SSS} %level %logger{0} - %msg%n</pattern></encoder></appender><root level="INFO"><appender-ref ref="OUT"/></root></configuration>\n',
  );
  const logFile = path.join(dir, "s3proxy.log");
  const out = openSync(logFile, "a");
  const jvm = ["-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", `-Dlogback.configurationFile=${logConfig}`];
  const child = spawn("java", [...jvm, "-cp", path.join(libs, "*"), "org.gaul.s3proxy.Main", "--properties", props], { stdio: ["ignore", out, out] });
  running.add(child);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = `code ${code}, signal ${signal}`;
      running.delete(child);
      resolve();
    });
    child.once("error", (err) => {
      exited = `could not run java: ${err.message}`;
      running.delete(child);
      resolve();
    });
  });
  // Kills the JVM (and removes its directory) when this process goes away without stop() (a killed test worker).
  const watchdog = spawn("sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; kill -KILL ${child.pid} 2>/dev/null; sleep 1; rm -rf '${dir}'`], {
    detached: true,
    stdio: "ignore",
  });
  watchdog.unref();

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exit;
      clearTimeout(timer);
    }
    closeSync(out);
    watchdog.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited) throw new Error(`exited during start (${exited})`);
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
      const port = LISTENING.exec(readLog(logFile))?.[1];
      if (port && (await answers(`http://127.0.0.1:${port}/`))) {
        return { endpoint: `http://127.0.0.1:${port}`, accessKeyId, secretAccessKey, region: "us-east-1", stop };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    const log = readLog(logFile).split("\n").slice(-40).join("\n");
    await stop();
    throw new Error(`s3proxy ${S3PROXY_VERSION} (${libs}): ${(error as Error).message}\n--- s3proxy.log (tail) ---\n${log}`);
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Any HTTP answer counts (an unsigned GET / gets 403 AccessDenied): the server is serving. */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export interface TestS3 {
  /** The server this test file owns; undefined when it could not start (the tests skip). */
  server?: S3Server;
  /** Why the server could not be started, or undefined. */
  unavailable?: string;
}

/**
 * A local S3 server for a test file. When it cannot start, CI (CI=true) FAILS the file with the reason
 * — a missing prerequisite never passes silently — and a developer run skips with a loud message.
 */
export async function s3ForTests(label: string): Promise<TestS3> {
  try {
    const started = Date.now();
    const server = await startS3Server();
    console.log(`${label}: S3Proxy ${S3PROXY_VERSION} at ${server.endpoint} started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { server };
  } catch (error) {
    const unavailable = (error as Error).message;
    if (process.env.CI === "true") throw new Error(`${label}: cannot start the local S3 server and CI=true, so these tests must not skip:\n${unavailable}`);
    console.warn(`\n!!!!!!!!\n!!! ${label}: SKIPPING, the local S3 server could not be started:\n${unavailable}\n!!!!!!!!\n`);
    return { unavailable };
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const s3 = await startS3Server();
  console.log(`S3 server ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  endpoint ${s3.endpoint}  region ${s3.region}  (path-style)\n  access key ${s3.accessKeyId}\n  secret     ${s3.secretAccessKey}\nCtrl-C stops it`);
  const shutdown = () => {
    void s3.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
