// Starts a real single-node Apache Kafka broker (KRaft: broker and controller in one JVM) as a local
// process for tests and development, from the jars that install.ts fetched from Maven Central.
//
//   const kafka = await startKafka();            // installs the jars if needed, formats, starts
//   kafka.brokers                                  // "127.0.0.1:<port>"
//   await kafka.stop();                            // SIGTERM, then SIGKILL after stopTimeoutMs
//
// The storage directory is formatted with a random cluster id on first use (`kafka.tools.StorageTool
// format --ignore-formatted`), so calling startKafka() again with the same dataDir (and port) restarts
// the same broker with its data. Everything binds to 127.0.0.1 on free ports. The JVM heap is capped
// (-Xmx512m) and the broker logs to <dataDir>/server.log (stdout/stderr to <dataDir>/stdout.log); a
// start that does not become ready in time fails with the tail of both logs. A small `sh` watchdog
// stops the JVM if the Node process dies without calling stop(). Also runnable:
// `node scripts/kafka/broker.ts` starts a broker and keeps it running until Ctrl-C.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { installKafka, KAFKA_VERSION } from "./install.ts";

export interface StartKafkaOptions {
  /** Storage and logs. Default: a new temporary directory, deleted by stop(). */
  dataDir?: string;
  /** Broker (client) port. Default: a free port. Pass the previous one to restart at the same address. */
  port?: number;
  /** Controller port. Default: a free port. */
  controllerPort?: number;
  /** Broker version (jars under .cache/kafka/<version>). Default KAFKA_VERSION. */
  version?: string;
  /** How long to wait for the broker to accept clients. Default 60 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
  /** Extra server.properties lines (key → value). */
  properties?: Record<string, string>;
}

export interface KafkaBroker {
  /** bootstrap address, "127.0.0.1:<port>" */
  brokers: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  /** Stops the broker (SIGTERM, then SIGKILL); deletes dataDir if startKafka created it. Idempotent. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const version = options.version ?? KAFKA_VERSION;
  const libs = installKafka(version, () => {});
  const ownsDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "tracerelay-kafka-"));
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const controllerPort = options.controllerPort ?? (await freePort());
  const classpath = path.join(libs, "*");
  const major = Number(version.split(".")[0]);

  const props: Record<string, string> = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${port}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    "log.dirs": path.join(dataDir, "data"),
    "num.partitions": "1",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "4",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
    "auto.create.topics.enable": "false",
    ...options.properties,
  };
  const propsFile = path.join(dataDir, "server.properties");
  writeFileSync(propsFile, `${Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n")}\n`);

  const serverLog = path.join(dataDir, "server.log");
  const stdoutLog = path.join(dataDir, "stdout.log");
  const logging: string[] = [];
  if (major >= 4) {
    const file = path.join(dataDir, "log4j2.properties");
    writeFileSync(
      file,
      [
        "appender.file.type = File",
        "appender.file.name = FILE",
        `appender.file.fileName = ${serverLog}`,
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = INFO",
        "rootLogger.appenderRef.file.ref = FILE",
        "",
      ].join("\n"),
    );
    logging.push(`-Dlog4j2.configurationFile=${file}`);
  } else {
    const file = path.join(dataDir, "log4j.properties");
    writeFileSync(
      file,
      [
        "log4j.rootLogger=INFO, file",
        "log4j.appender.file=org.apache.log4j.FileAppender",
        `log4j.appender.file.File=${serverLog}`,
        "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
        "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
        "log4j.logger.org.apache.kafka.clients=WARN",
        "log4j.logger.kafka.request.logger=WARN",
        "",
      ].join("\n"),
    );
    logging.push(`-Dlog4j.configuration=file:${file}`);
  }
  const jvm = ["-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true", ...logging, `-Dkafka.logs.dir=${dataDir}`];

  if (!existsSync(path.join(dataDir, "data", "meta.properties"))) {
    // Kafka's Uuid.toString() form; one starting with "-" would read as an option to the tool.
    let clusterId = randomBytes(16).toString("base64url");
    while (clusterId.startsWith("-")) clusterId = randomBytes(16).toString("base64url");
    const format = spawnSync("java", [...jvm, "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", propsFile, "--ignore-formatted"], {
      encoding: "utf8",
    });
    if (format.status !== 0) {
      throw new Error(`kafka ${version}: formatting ${dataDir} failed (exit ${format.status ?? format.signal}):\n${format.stdout}\n${format.stderr}\n${tail(serverLog)}`);
    }
  }

  const out = openSync(stdoutLog, "a");
  const child = spawn("java", [...jvm, "-cp", classpath, "kafka.Kafka", propsFile], { stdio: ["ignore", out, out], detached: false });
  running.add(child);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    });
  });

  // If this process dies without stop() (a killed test worker), the watchdog stops the JVM, so no
  // orphaned broker keeps its ports and memory.
  const watchdog = spawn(
    "sh",
    ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; kill -TERM ${child.pid} 2>/dev/null; sleep 15; kill -KILL ${child.pid} 2>/dev/null`],
    { detached: true, stdio: "ignore" },
  );
  watchdog.unref();

  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  let stopped = false;
  const stop = async (stopOptions: { keepData?: boolean } = {}): Promise<void> => {
    if (!stopped) {
      stopped = true;
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
        await exit;
        clearTimeout(timer);
      }
      closeSync(out);
      watchdog.kill("SIGKILL");
    }
    if (ownsDir && !stopOptions.keepData) rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (exited) throw new Error(`exited during start (code ${exited.code}, signal ${exited.signal})`);
      if (Date.now() > deadline) throw new Error(`not ready after ${options.startTimeoutMs ?? 60_000} ms`);
      if ((await canConnect(port)) && readFileSafe(serverLog).includes("Kafka Server started")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stop({ keepData: true });
    throw new Error(
      `kafka ${version} broker on 127.0.0.1:${port} (data ${dataDir}): ${(error as Error).message}\n--- server.log (tail) ---\n${tail(serverLog)}\n--- stdout.log (tail) ---\n${tail(stdoutLog)}`,
    );
  }
  return { brokers: `127.0.0.1:${port}`, port, controllerPort, dataDir, stop };
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function tail(file: string, lines = 40): string {
  return readFileSafe(file).split("\n").slice(-lines).join("\n");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--version");
  const started = Date.now();
  const broker = await startKafka({ version: i > 0 ? process.argv[i + 1] : undefined });
  console.log(`kafka broker ready at ${broker.brokers} in ${((Date.now() - started) / 1000).toFixed(1)} s (data ${broker.dataDir}); Ctrl-C stops it`);
  const shutdown = () => {
    void broker.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

export interface TestBroker {
  /** The broker this test owns (absent when KAFKA_BROKERS points at an external cluster, or on skip). */
  broker?: KafkaBroker;
  brokers: string[];
  /** Why the broker could not be started (the tests skip loudly), or undefined. */
  unavailable?: string;
}

/**
 * A broker for a test file: the cluster in KAFKA_BROKERS, else a local one started here. When it cannot
 * start, CI (CI=true) FAILS the file with the reason — a missing prerequisite never passes silently —
 * and a developer run skips with a loud message.
 */
export async function brokerForTests(label: string): Promise<TestBroker> {
  const external = process.env.KAFKA_BROKERS;
  if (external) return { brokers: external.split(",").map((b) => b.trim()) };
  try {
    const started = Date.now();
    const broker = await startKafka();
    console.log(`${label}: broker ${broker.brokers} (Kafka ${KAFKA_VERSION}) started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { broker, brokers: [broker.brokers] };
  } catch (error) {
    const unavailable = (error as Error).message;
    if (process.env.CI === "true") throw new Error(`${label}: cannot start the Kafka broker and CI=true, so these tests must not skip:\n${unavailable}`);
    console.warn(`\n!!!!!!!!\n!!! ${label}: SKIPPING, the Kafka broker could not be started:\n${unavailable}\n!!!!!!!!\n`);
    return { brokers: [], unavailable };
  }
}
