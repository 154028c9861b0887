// The bus: the durable, ordered-per-key log between roles. Two implementations share this interface
// and one contract suite (lib/bus/contract-suite.ts): the embedded log on local disk (single node)
// and Kafka (scale-out). The pipeline relies on exactly these guarantees:
//  - produce() resolves only once every message is durable (fsync'd / acknowledged by all replicas);
//  - records with the same key keep their order (same partition);
//  - each consumer group has its own committed offsets; a handler's batch is committed only after
//    the handler resolves, so a crash redelivers (at-least-once), never skips;
//  - a group can be rewound to an offset (replay).

export const TOPICS = {
  spans: "spans",
  deliver: (destination: string) => `deliver.${destination}`,
  dlq: "dlq",
  /** Destination status heartbeats from deliver processes (services/deliver/status.ts). */
  status: "status",
} as const;

export interface ProduceMessage {
  key: string;
  /** A Buffer must not be modified after produce(): the embedded bus hands it to readers as it is. */
  value: Buffer | string;
  /** Like a Buffer value, kept by the embedded bus as given: not to be modified after produce(). */
  headers?: Record<string, string>;
}

export interface BusRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  /** Read-only: it may be shared with other readers (and other topics) of the same record. */
  value: Buffer;
  /** Epoch milliseconds at which the record was appended. */
  timestamp: number;
  headers: Record<string, string>;
}

export interface ConsumeOptions {
  group: string;
  topics: string[];
  /** Largest batch handed to the handler at once. */
  maxBatch?: number;
  /** Called with records of one partition in offset order; offsets are committed when it resolves. */
  handler: (batch: BusRecord[]) => Promise<void>;
  /** Where a group with no committed offset starts: earliest (default) or latest. */
  start?: "earliest" | "latest";
}

export interface Consumer {
  /** Stops fetching, waits for the in-flight handler, commits what it finished. */
  stop(): Promise<void>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  group: string;
  committed: number;
  end: number;
  lag: number;
}

export interface Bus {
  readonly kind: "embedded" | "kafka";
  ensureTopics(topics: Array<{ name: string; partitions?: number }>): Promise<void>;
  /** Resolves once all messages are durable; rejects (BusUnavailableError) if they could not be written. */
  produce(topic: string, messages: ProduceMessage[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Consumer>;
  /** Rewinds (or forwards) a group's committed offset for one partition; takes effect for new consumers. */
  seek(group: string, topic: string, partition: number, offset: number): Promise<void>;
  lag(group: string, topics: string[]): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

/** Raised when the bus cannot accept writes right now; ingest answers 503 with Retry-After. */
export class BusUnavailableError extends Error {
  readonly code = "TR_BUS_UNAVAILABLE";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BusUnavailableError";
  }
}
