// The Kafka bus: the Bus interface (../types.ts) on Apache Kafka through kafkajs, for scale-out
// deployments where every role runs in its own processes. It passes the same contract suite as the
// embedded log (../contract-suite.ts, run against a real broker by kafka.test.ts).
//
// GUARANTEES AND HOW EACH IS MET
//  - Durable before acknowledged: one idempotent producer per bus (`idempotent: true`, which kafkajs
//    only allows with maxInFlightRequests 1), every send with `acks: -1` (all in-sync replicas).
//    produce() resolves when kafkajs resolves the send. Whether "all replicas" means more than one is
//    the topic's replication factor and the broker's min.insync.replicas (set them for production).
//  - Per-key order: every message is keyed (the trace id) and kafkajs' DefaultPartitioner hashes the
//    key with murmur2 as the Java client does, so a key always lands in one partition, and one
//    producer with one request in flight keeps the order of awaited produce() calls.
//  - Headers round-trip as UTF-8 strings; keys as strings (null key → ""); values as Buffers.
//  - Consumer groups: one kafkajs consumer per consume() call, `autoCommit: false`. Batches come from
//    eachBatch (one partition, offset order), cut into at most `maxBatch` records (default 500);
//    up to `partitionsConsumedConcurrently` partitions are handled at once. After the handler
//    resolves, the offset after the chunk is committed (OffsetCommit) before the next chunk is handed
//    out. A handler that throws gets the SAME chunk again after a backoff (200 ms doubling to 5 s),
//    in the same consumer, until it succeeds or the consumer stops or loses the partition; nothing is
//    committed for a chunk that never succeeded, and returning without resolving it makes kafkajs
//    fetch it again, so nothing is skipped (at-least-once). While a handler runs the member keeps
//    heartbeating; a failed heartbeat between retries (usually a rebalance) gives the chunk up so the
//    member can rejoin, and the partition's next owner starts at the committed offset.
//    Several consume() calls of one group (in one or many processes) share its partitions, as Kafka
//    consumer groups do (the embedded bus allows only one per group).
//  - start: consume() first fixes where a group without a committed offset starts, by committing the
//    partition's earliest (default) or latest offset for the group (as seek does) before joining.
//    So consume() resolves with the starting positions fixed, as the contract requires for "latest".
//    If the group is already active elsewhere, the running members own those positions and nothing is
//    committed; kafkajs then falls back to `fromBeginning` for partitions still without an offset.
//  - seek: commits the offset for the group from a short-lived paused member (what kafkajs' admin
//    setOffsets does, but with a short fetch wait instead of 5 s). Kafka accepts offsets from outside
//    the group only while it has NO running member anywhere (state Empty or Dead); otherwise seek()
//    rejects naming the group's state. Stop every consumer of the group, in every process, first.
//  - lag: admin fetchOffsets (committed) + fetchTopicOffsets (high watermark); a partition without a
//    commit reports the earliest available offset as committed, like the embedded bus. lag() and
//    seek() reject for a topic that does not exist. lagReadings() sums it per group and topic in
//    the shape of the `tracerelay_bus_lag_records` gauge (lib/telemetry/metrics.ts setLagSource).
//  - close(): stops every consumer of this bus (each waits for its in-flight handler and commits what
//    it finished), then disconnects producer and admin. Idempotent. produce() after close() →
//    BusUnavailableError. Consumer.stop() likewise waits for the handler, commits, leaves the group.
//  - Unavailable broker: produce() is bounded by `produceTimeoutMs` (default 5 s) overall, including
//    connecting, topic creation and kafkajs retries, and then rejects with BusUnavailableError
//    (TR_BUS_UNAVAILABLE) so ingest answers 503 quickly. After such a failure the producer is replaced
//    by a fresh one (new producer id), so a send that timed out cannot leave a stuck sequence behind,
//    and the bus recovers by itself once the broker is back. A send that timed out MAY still have
//    been written; the caller retries, so consumers must tolerate duplicates (at-least-once). Errors
//    about the message itself (too large, invalid) are rethrown as they are, not as unavailable.
//    createKafkaBus() itself rejects with BusUnavailableError when no broker answers (bounded:
//    max(10 s, 5 × connectionTimeoutMs), also against a port that accepts and never answers).
//  - Topics: ensureTopics() creates missing topics (partitions, replicationFactor) and waits for
//    their leaders; produce() and consume() do the same for topics they have not seen (default
//    partition count). With `createTopics: false` a missing topic is an error naming it; when the
//    broker refuses (ACLs, policies, fewer brokers than the replication factor) the error names the
//    topic and the broker's reason. An existing topic is never altered (its partition count wins).
//  - topicPrefix is prepended to every topic AND consumer group name on the cluster, so several
//    deployments can share one cluster; records and lag carry the unprefixed names, errors name
//    topics as they are on the cluster.
//
// LIMITS. A handler that runs longer than the group's rebalance timeout (kafkajs default 60 s) while
// a rebalance is pending loses its partitions; its commit then fails and the chunk is redelivered to
// the new owner. Redelivery also happens after a consumer crash (records since the last commit) and
// after a kill -9, whose partitions wait for sessionTimeoutMs (default 10 s) before moving. No
// transactions: a produce() of several messages is not atomic across partitions. kafkajs speaks the
// classic consumer-group protocol and older API versions; scripts/kafka/README.md lists the broker
// versions this is tested against (4.3.1 and 3.9.2).
import type { ConnectionOptions } from "node:tls";
import type { Admin, Consumer as KafkaConsumer, EachBatchPayload, KafkaMessage, Producer, SASLOptions } from "kafkajs";
import kafkajs from "kafkajs";
import type { BusLogger } from "../embedded/logger.ts";
import { silentLogger } from "../embedded/logger.ts";
import type { Bus, BusRecord, ConsumeOptions, Consumer, PartitionLag, ProduceMessage } from "../types.ts";
import { BusUnavailableError } from "../types.ts";

const { Kafka, Partitioners, logLevel } = kafkajs;

export interface KafkaBusOptions {
  /** Bootstrap brokers, "host:port". */
  brokers: string[];
  /** Default "tracerelay". */
  clientId?: string;
  /** Prepended to every topic and consumer group name on the cluster. Default "". */
  topicPrefix?: string;
  /** Partitions of a topic created without an explicit count. Default 4. */
  partitions?: number;
  /** Replication factor of created topics. Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Create missing topics (default true). When false, a missing topic is an error naming it. */
  createTopics?: boolean;
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
  logger?: BusLogger;
  /** Upper bound of one produce() call, retries included; then BusUnavailableError. Default 5000 ms. */
  produceTimeoutMs?: number;
  /** TCP connect timeout to a broker. Default 3000 ms. */
  connectionTimeoutMs?: number;
  /** Consumer session timeout (a dead consumer's partitions move after this). Default 10000 ms. */
  sessionTimeoutMs?: number;
  /** Consumer heartbeat interval. Default 1000 ms. */
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for new records (also bounds how long stop() waits for an idle fetch). Default 500 ms. */
  fetchMaxWaitMs?: number;
  /** Partitions one consumer hands to its handler concurrently. Default 4. */
  partitionsConsumedConcurrently?: number;
}

export interface KafkaBus extends Bus {
  readonly kind: "kafka";
  /** Lag summed per topic for each group, in the shape the metrics gauge takes. */
  lagReadings(groups: Array<{ group: string; topics: string[] }>): Promise<Array<{ group: string; topic: string; lag: number }>>;
}

const DEFAULT_MAX_BATCH = 500;
/** Errors about the message itself: retrying elsewhere does not help, so they are not "unavailable". */
const MESSAGE_ERRORS = new Set(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE", "INVALID_RECORD", "CORRUPT_MESSAGE", "INVALID_TOPIC_EXCEPTION", "INVALID_REQUIRED_ACKS"]);

export async function createKafkaBus(options: KafkaBusOptions): Promise<KafkaBus> {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0) throw new Error("kafka bus: brokers must list at least one host:port");
  const logger = options.logger ?? silentLogger;
  const prefix = options.topicPrefix ?? "";
  const defaultPartitions = positiveInteger("partitions", options.partitions ?? 4);
  const replicationFactor = options.replicationFactor === undefined ? -1 : positiveInteger("replicationFactor", options.replicationFactor);
  const createTopics = options.createTopics ?? true;
  const produceTimeoutMs = positiveInteger("produceTimeoutMs", options.produceTimeoutMs ?? 5000);
  const connectionTimeout = positiveInteger("connectionTimeoutMs", options.connectionTimeoutMs ?? 3000);
  const sessionTimeout = positiveInteger("sessionTimeoutMs", options.sessionTimeoutMs ?? 10_000);
  const heartbeatInterval = positiveInteger("heartbeatIntervalMs", options.heartbeatIntervalMs ?? 1000);
  const fetchMaxWaitMs = positiveInteger("fetchMaxWaitMs", options.fetchMaxWaitMs ?? 500);
  const concurrency = positiveInteger("partitionsConsumedConcurrently", options.partitionsConsumedConcurrently ?? 4);

  const kafka = new Kafka({
    clientId: options.clientId ?? "tracerelay",
    brokers: options.brokers,
    ssl: options.ssl,
    sasl: options.sasl,
    connectionTimeout,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...details } = entry.log;
      // Retries are bounded on purpose (produceTimeoutMs) and a failed producer is replaced, which
      // keeps the sequence numbers consistent; kafkajs warns about bounded retries on every producer.
      if (message.startsWith("Limiting retries for the idempotent producer")) return;
      const at = { component: "kafkajs", namespace: entry.namespace, ...details };
      // kafkajs logs every error response at ERROR, also retriable ones it recovers from (e.g. "group
      // coordinator not available" while a fresh cluster creates __consumer_offsets): warn for those.
      if (entry.level === logLevel.ERROR && entry.namespace !== "Connection") logger.error(at, message);
      else logger.warn(at, message);
    },
  });

  const onCluster = (name: string) => prefix + name;
  const offCluster = (name: string) => (prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name);

  const admin: Admin = kafka.admin({ retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 3 } });
  // Connect and read the cluster's metadata once, bounded: a refused port fails in a few seconds by
  // itself, but a broker that accepts connections and never answers would otherwise hold the start for
  // requestTimeout (30 s) and then fail with kafkajs' "Broker not connected".
  const connectTimeoutMs = Math.max(10_000, connectionTimeout * 5);
  let connectTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await admin.connect();
        await admin.listTopics();
      })(),
      new Promise<never>((_, reject) => {
        connectTimer = setTimeout(() => reject(new TimeoutError(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      }),
    ]);
  } catch (error) {
    void admin.disconnect().catch(() => {});
    throw new BusUnavailableError(`kafka bus: cannot reach brokers ${options.brokers.join(",")}: ${messageOf(error)}`, { cause: error });
  } finally {
    clearTimeout(connectTimer);
  }

  let closed = false;
  let closing: Promise<void> | undefined;
  const known = new Set<string>();
  const consumers = new Set<{ stop(): Promise<void>; group: string }>();

  // kafkajs' admin does not retry every retriable error (e.g. COORDINATOR_LOAD_IN_PROGRESS while a
  // fresh cluster loads __consumer_offsets); retry those for a bounded time.
  async function retrying<T>(work: () => Promise<T>, forMs = 15_000): Promise<T> {
    const deadline = Date.now() + forMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isRetriable(error) || closed || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
      }
    }
  }

  // ---- topics
  async function ensure(topics: Array<{ name: string; partitions?: number }>): Promise<void> {
    const wanted = topics.filter((t) => !known.has(t.name));
    if (wanted.length === 0) return;
    for (const t of wanted) {
      if (!t.name || /[^a-zA-Z0-9._-]/.test(onCluster(t.name))) throw new Error(`kafka bus: invalid topic name "${t.name}"`);
      if (t.partitions !== undefined) positiveInteger(`partitions of ${t.name}`, t.partitions);
    }
    // Listed and created as one retried step: when several processes start at once, one creates a
    // topic while another's create (or wait for leaders) answers "This server does not host this
    // topic-partition" until the metadata has spread; retrying re-lists and finds the topic there.
    await retrying(async () => {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(onCluster(t.name)));
      if (missing.length === 0) return;
      if (!createTopics) {
        throw new Error(`kafka bus: topic ${missing.map((t) => `"${onCluster(t.name)}"`).join(", ")} does not exist and createTopics is false; create it on the cluster`);
      }
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({ topic: onCluster(t.name), numPartitions: t.partitions ?? defaultPartitions, replicationFactor })),
        });
      } catch (error) {
        const errors = (error as { errors?: Array<{ topic?: string; type?: string; message?: string; retriable?: boolean }> }).errors;
        const refused = errors?.filter((e) => e.type !== "TOPIC_ALREADY_EXISTS");
        if (refused?.length && refused.every((e) => e.retriable === true || TRANSIENT_TOPIC_ERRORS.has(e.type ?? ""))) throw Object.assign(error as object, { retriable: true });
        if (!errors?.length && isRetriable(error)) throw error;
        const reasons = errors?.length
          ? (refused ?? []).map((e) => `topic "${e.topic}": ${e.type ?? ""} ${e.message ?? ""}`.trim())
          : [`topic ${missing.map((t) => `"${onCluster(t.name)}"`).join(", ")}: ${messageOf(error)}`];
        if (reasons.length > 0) {
          throw new Error(`kafka bus: could not create ${reasons.join("; ")} (does the client have CREATE permission, and enough brokers for replication factor ${replicationFactor === -1 ? "(broker default)" : replicationFactor}?)`, {
            cause: error,
          });
        }
      }
      logger.info({ topics: missing.map((t) => onCluster(t.name)) }, "kafka topics created");
    }, 30_000);
    for (const t of wanted) known.add(t.name);
  }

  // ---- producer
  let producer: Promise<Producer> | undefined;
  function currentProducer(): Promise<Producer> {
    if (!producer) {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 5 },
      });
      const connecting = p.connect().then(() => p);
      producer = connecting;
      connecting.catch(() => {
        if (producer === connecting) producer = undefined;
      });
    }
    return producer;
  }
  function replaceProducer(failed: Promise<Producer>): void {
    if (producer !== failed) return;
    producer = undefined;
    failed.then((p) => p.disconnect()).catch(() => {});
  }

  async function produce(topic: string, messages: ProduceMessage[]): Promise<void> {
    if (closed) throw new BusUnavailableError("kafka bus is closed");
    if (messages.length === 0) return;
    let used: Promise<Producer> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const send = (async () => {
      await ensure([{ name: topic }]);
      used = currentProducer();
      const p = await used;
      await p.send({
        topic: onCluster(topic),
        acks: -1,
        timeout: produceTimeoutMs,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
    })();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`no acknowledgement within ${produceTimeoutMs} ms`)), produceTimeoutMs);
    });
    try {
      await Promise.race([send, deadline]);
    } catch (error) {
      send.catch(() => {});
      if (isMessageError(error)) throw error;
      if (used) replaceProducer(used);
      if (closed) throw new BusUnavailableError("kafka bus is closed", { cause: error });
      throw new BusUnavailableError(`kafka bus: could not write ${messages.length} record(s) to "${topic}": ${messageOf(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- committing offsets for an inactive group
  // kafkajs' admin.setOffsets joins the group with a throwaway consumer and waits for its first fetch
  // (up to 5 s with the default fetch wait). This does the same with a short fetch wait: check that
  // the group has no member (Kafka only accepts offsets from outside while it is Empty), join with a
  // paused consumer, seek (kafkajs commits sought offsets), stop after the first fetch.
  async function setGroupOffsets(group: string, topic: string, partitions: Array<{ partition: number; offset: string }>): Promise<void> {
    const groupId = onCluster(group);
    const { groups } = await retrying(() => admin.describeGroups([groupId]));
    const state = groups[0]?.state ?? "Dead";
    if (state !== "Empty" && state !== "Dead") throw new GroupActiveError(`the consumer group has running consumers (state ${state})`);
    const c = kafka.consumer({ groupId, maxWaitTimeInMs: 50, sessionTimeout, heartbeatInterval, allowAutoTopicCreation: false, retry: { retries: 3 } });
    let timer: NodeJS.Timeout | undefined;
    try {
      await c.connect();
      await c.subscribe({ topics: [onCluster(topic)], fromBeginning: true });
      const fetched = new Promise<void>((resolve, reject) => {
        c.on(c.events.FETCH, () => resolve());
        c.on(c.events.CRASH, (event) => reject((event.payload as { error: Error }).error));
        timer = setTimeout(() => reject(new Error("timed out committing offsets")), 30_000);
      });
      const running = c.run({ autoCommit: true, eachBatchAutoResolve: false, eachBatch: async () => {} });
      c.pause([{ topic: onCluster(topic) }]);
      for (const p of partitions) c.seek({ topic: onCluster(topic), partition: p.partition, offset: p.offset });
      await running;
      await fetched;
    } finally {
      clearTimeout(timer);
      await c.disconnect().catch(() => {});
    }
  }

  // ---- consumers
  async function fixStartPositions(group: string, topics: string[], start: "earliest" | "latest"): Promise<void> {
    for (const topic of topics) {
      const [committed] = await retrying(() => admin.fetchOffsets({ groupId: onCluster(group), topics: [onCluster(topic)] }));
      const missing = (committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition);
      if (missing.length === 0) continue;
      const ends = await retrying(() => admin.fetchTopicOffsets(onCluster(topic)));
      const partitions = ends
        .filter((e) => missing.includes(e.partition))
        .map((e) => ({ partition: e.partition, offset: start === "latest" ? e.high : e.low }));
      try {
        await retrying(() => setGroupOffsets(group, topic, partitions.map((p) => ({ partition: p.partition, offset: String(p.offset) }))));
      } catch (error) {
        if (!(error instanceof GroupActiveError)) throw error;
        logger.info({ group, topic, error: messageOf(error) }, "kafka group already active elsewhere; its members own the starting positions");
      }
    }
  }

  async function consume(consumeOptions: ConsumeOptions): Promise<Consumer> {
    if (closed) throw new BusUnavailableError("kafka bus is closed");
    const { group, topics, handler } = consumeOptions;
    const maxBatch = positiveInteger("maxBatch", consumeOptions.maxBatch ?? DEFAULT_MAX_BATCH);
    const start = consumeOptions.start ?? "earliest";
    if (!group) throw new Error("kafka bus: consume() needs a group");
    if (!topics.length) throw new Error("kafka bus: consume() needs at least one topic");
    await ensure(topics.map((name) => ({ name })));
    await fixStartPositions(group, topics, start);

    const consumer: KafkaConsumer = kafka.consumer({
      groupId: onCluster(group),
      sessionTimeout,
      heartbeatInterval,
      maxWaitTimeInMs: fetchMaxWaitMs,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 10 },
    });
    const stopping = new AbortController();
    consumer.on(consumer.events.CRASH, (event) => {
      const payload = event.payload as { error: unknown; restart: boolean };
      logger.error({ group, error: messageOf(payload.error), restart: payload.restart }, "kafka consumer crashed");
    });

    const eachBatch = async ({ batch, heartbeat, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> => {
      const topic = offCluster(batch.topic);
      const { partition } = batch;
      const active = () => isRunning() && !isStale() && !stopping.signal.aborted;
      for (let i = 0; i < batch.messages.length; i += maxBatch) {
        if (!active()) return;
        const chunk = batch.messages.slice(i, i + maxBatch).map((m) => toRecord(topic, partition, m));
        for (let attempt = 1; ; attempt++) {
          const beat = { failed: false };
          try {
            await whileHeartbeating(heartbeat, heartbeatInterval, beat, () => handler(chunk));
            break;
          } catch (error) {
            logger.warn({ group, topic, partition, offset: chunk[0].offset, records: chunk.length, attempt, error: messageOf(error) }, "bus handler failed; retrying the batch");
            // Returning without resolving makes kafkajs fetch the same records again; a failed
            // heartbeat (usually a rebalance) returns so the member can rejoin instead of being evicted.
            if (!active() || beat.failed) return;
            await sleep(Math.min(200 * 2 ** (attempt - 1), 5000), stopping.signal);
            if (!active()) return;
            try {
              await heartbeat();
            } catch {
              return;
            }
          }
        }
        const last = chunk[chunk.length - 1].offset;
        resolveOffset(String(last));
        await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition, offset: String(last + 1) }] }] });
      }
    };

    try {
      await consumer.connect();
      await consumer.subscribe({ topics: topics.map(onCluster), fromBeginning: start !== "latest" });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: concurrency, eachBatch });
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw new BusUnavailableError(`kafka bus: could not start consumer group "${group}": ${messageOf(error)}`, { cause: error });
    }

    if (closed) {
      await consumer.disconnect().catch(() => {});
      throw new BusUnavailableError("kafka bus is closed");
    }
    let stopped: Promise<void> | undefined;
    const handle = {
      group,
      stop(): Promise<void> {
        stopped ??= (async () => {
          stopping.abort();
          try {
            await consumer.disconnect();
          } finally {
            consumers.delete(handle);
          }
        })();
        return stopped;
      },
    };
    consumers.add(handle);
    return { stop: () => handle.stop() };
  }

  // ---- offsets
  async function mustExist(topic: string): Promise<void> {
    if (known.has(topic)) return;
    if (!(await retrying(() => admin.listTopics())).includes(onCluster(topic))) throw new Error(`kafka bus: topic "${onCluster(topic)}" does not exist`);
    known.add(topic);
  }

  async function seek(group: string, topic: string, partition: number, offset: number): Promise<void> {
    if (closed) throw new BusUnavailableError("kafka bus is closed");
    if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`kafka bus: seek offset must be a non-negative integer, got ${offset}`);
    if ([...consumers].some((c) => c.group === group)) throw new Error(`kafka bus: cannot seek group "${group}": it is being consumed by this bus; stop its consumer first`);
    await mustExist(topic);
    const ends = await retrying(() => admin.fetchTopicOffsets(onCluster(topic)));
    if (!ends.some((e) => e.partition === partition)) throw new RangeError(`kafka bus: topic "${topic}" has no partition ${partition}`);
    try {
      await retrying(() => setGroupOffsets(group, topic, [{ partition, offset: String(offset) }]));
    } catch (error) {
      throw new Error(`kafka bus: cannot seek group "${group}" on "${topic}"/${partition}: ${messageOf(error)} (seek needs every consumer of the group stopped, in every process)`, {
        cause: error,
      });
    }
  }

  async function lag(group: string, topics: string[]): Promise<PartitionLag[]> {
    if (closed) throw new BusUnavailableError("kafka bus is closed");
    const out: PartitionLag[] = [];
    for (const topic of topics) {
      await mustExist(topic);
      const [ends, committedList] = await Promise.all([
        retrying(() => admin.fetchTopicOffsets(onCluster(topic))),
        retrying(() => admin.fetchOffsets({ groupId: onCluster(group), topics: [onCluster(topic)] })),
      ]);
      const committedOf = new Map((committedList[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      for (const e of [...ends].sort((a, b) => a.partition - b.partition)) {
        const end = Number(e.high);
        const raw = committedOf.get(e.partition) ?? -1;
        const committed = raw < 0 ? Number(e.low) : raw;
        out.push({ topic, partition: e.partition, group, committed, end, lag: Math.max(0, end - committed) });
      }
    }
    return out;
  }

  async function close(): Promise<void> {
    closed = true;
    closing ??= (async () => {
      await Promise.allSettled([...consumers].map((c) => c.stop()));
      const p = producer;
      producer = undefined;
      await Promise.allSettled([p?.then((x) => x.disconnect()), admin.disconnect()]);
    })();
    return closing;
  }

  return {
    kind: "kafka",
    async ensureTopics(topics) {
      if (closed) throw new BusUnavailableError("kafka bus is closed");
      await ensure(topics);
    },
    produce,
    consume,
    seek,
    lag,
    async lagReadings(groups) {
      const readings: Array<{ group: string; topic: string; lag: number }> = [];
      for (const { group, topics } of groups) {
        const byTopic = new Map<string, number>();
        for (const l of await lag(group, topics)) byTopic.set(l.topic, (byTopic.get(l.topic) ?? 0) + l.lag);
        for (const [topic, sum] of byTopic) readings.push({ group, topic, lag: sum });
      }
      return readings;
    },
    close,
  };
}

function toRecord(topic: string, partition: number, m: KafkaMessage): BusRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? String(value[value.length - 1] ?? "") : value.toString();
  }
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key ? m.key.toString() : "",
    value: m.value ?? Buffer.alloc(0),
    timestamp: Number(m.timestamp),
    headers,
  };
}

async function whileHeartbeating<T>(heartbeat: () => Promise<void>, intervalMs: number, beat: { failed: boolean }, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    heartbeat().catch(() => {
      beat.failed = true;
    });
  }, intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

class GroupActiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GroupActiveError";
  }
}

class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** Topic errors that clear up by themselves (another process is creating the topic, a controller move). */
const TRANSIENT_TOPIC_ERRORS = new Set(["UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "NOT_CONTROLLER", "REQUEST_TIMED_OUT"]);

function isRetriable(error: unknown): boolean {
  for (let e = error as { retriable?: boolean; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.retriable === true) return true;
  }
  return false;
}

function isMessageError(error: unknown): boolean {
  for (let e = error as { type?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.type === "string" && MESSAGE_ERRORS.has(e.type)) return true;
  }
  return false;
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message && !error.message.includes(cause.message) ? `${error.message} (${cause.message})` : error.message;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`kafka bus: ${name} must be a positive integer, got ${value}`);
  return value;
}
