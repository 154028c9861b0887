// Copies the bus topic `dlq` into the store's `dead_letters` table (consumer group "dlq.store"; the
// offsets are committed only after the insert, so a crash re-inserts — the same letter id twice is one
// row after FINAL). Runs in the process that owns the store (the explorer role).
import { parseDuration } from "../../destinations/_delivery/index.ts";
import { type Bus, type Consumer, TOPICS } from "../bus/types.ts";
import type { SqlClient } from "../store/types.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { DeadLetterRecord } from "./letter.ts";
import { insertLetters } from "./table.ts";

export const DLQ_LOG_GROUP = "dlq.store";

/** `retention` is the config's `dead_letters.retention` ("14d" or ms). */
export async function startDeadLetterLog(bus: Bus, sql: SqlClient, retention: string | number, logger: Logger): Promise<Consumer> {
  const retentionMs = parseDuration(retention);
  if (retentionMs === undefined) throw new Error(`dead_letters.retention "${retention}" is not a duration (e.g. "14d")`);
  await bus.ensureTopics([{ name: TOPICS.dlq }]);
  return bus.consume({
    group: DLQ_LOG_GROUP,
    topics: [TOPICS.dlq],
    maxBatch: 500,
    handler: async (batch) => {
      const records: DeadLetterRecord[] = [];
      for (const r of batch) {
        try {
          records.push(JSON.parse(r.value.toString("utf8")) as DeadLetterRecord);
        } catch {
          // Only our own deliver role writes this topic; a record we cannot read is reported, not retried for ever.
          logger.error({ topic: r.topic, partition: r.partition, offset: r.offset }, "unreadable dead letter on the dlq topic; skipped");
        }
      }
      await insertLetters(sql, records, retentionMs);
    },
  });
}
