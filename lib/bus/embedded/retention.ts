// Which old segments of a partition may be deleted. Pure: the bus feeds it segment facts and the
// groups' committed offsets, then deletes what it returns. Rules:
//  - only whole sealed segments go, oldest first, and only a prefix (no holes in the log);
//  - a segment expires when its file was last written more than retentionMs ago, or when the
//    partition would still hold at least retentionBytes without it (Kafka's retention.bytes rule);
//  - an expired segment still stays while any known group (one with a committed offset on the topic)
//    has not committed past its last record; those groups are reported as holding retention back.

export interface RetentionPolicy {
  retentionMs?: number;
  retentionBytes?: number;
}

export interface SegmentFacts {
  nextOffset: number;
  bytes: number;
  modifiedMs: number;
}

export interface GroupPosition {
  group: string;
  committed: number;
}

export interface RetentionPlan {
  /** How many of the oldest segments to delete. */
  deletable: number;
  /** Groups whose committed offset keeps an expired segment alive. */
  heldBackBy: string[];
}

export function planRetention(sealed: SegmentFacts[], partitionBytes: number, groups: GroupPosition[], policy: RetentionPolicy, now: number): RetentionPlan {
  const { retentionMs, retentionBytes } = policy;
  let remaining = partitionBytes;
  let deletable = 0;
  for (const segment of sealed) {
    const tooOld = retentionMs !== undefined && now - segment.modifiedMs > retentionMs;
    const tooBig = retentionBytes !== undefined && remaining - segment.bytes >= retentionBytes;
    if (!tooOld && !tooBig) break;
    const holders = groups.filter((g) => g.committed < segment.nextOffset).map((g) => g.group);
    if (holders.length > 0) return { deletable, heldBackBy: holders };
    deletable++;
    remaining -= segment.bytes;
  }
  return { deletable, heldBackBy: [] };
}
