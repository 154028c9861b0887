// Per-batch and per-event limits of the Langfuse batch endpoint, and the cheap checks that enforce them.
// The caller (HTTP route) enforces Langfuse's 4.5 MB body cap; everything here is per event so that one
// oversized or pathological event is refused while its siblings still go through.
//  - events per batch: Langfuse has no cap; 10,000 is generous (a 4.5 MB body holds ~10k tiny events)
//    and bounds the work of one request. Events past the cap get a 413 entry each.
//  - bytes per event: 1,000,000 (the legacy JS SDK's own MAX_EVENT_SIZE_BYTES; the spec advises ≤ 1 MB).
//  - nesting depth of any event value: 64 containers. Deeper JSON is almost always a bug or an attack, and
//    downstream stores and JSON encoders (recursive) may fail on it. Checked iteratively, before anything
//    recursive (JSON.stringify, ajv) touches the value.

export interface LangfuseLimits {
  maxEventsPerBatch: number;
  maxEventBytes: number;
  maxNestingDepth: number;
}

export const DEFAULT_LANGFUSE_LIMITS: Readonly<LangfuseLimits> = {
  maxEventsPerBatch: 10_000,
  maxEventBytes: 1_000_000,
  maxNestingDepth: 64,
};

/**
 * True when `value` nests more than `maxDepth` objects/arrays (a scalar has depth 0, `{}` depth 1).
 * Iterative and stops at the first container past the limit, so hostile input costs at most its size.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    const containerDepth = depth + 1;
    if (containerDepth > maxDepth) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: containerDepth });
    }
  }
  return false;
}

/**
 * The first top-level value of the event (or of its body) nested deeper than the limit, as a JSON path
 * such as `/body/input`, or null. Run before any recursive code reads the event.
 */
export function findTooDeepValue(event: Record<string, unknown>, maxDepth: number): string | null {
  for (const [key, value] of Object.entries(event)) {
    if (key === "body" && value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [field, fieldValue] of Object.entries(value)) {
        if (nestsDeeperThan(fieldValue, maxDepth)) return `/body/${field}`;
      }
    } else if (nestsDeeperThan(value, maxDepth)) {
      return `/${key}`;
    }
  }
  return null;
}

/** UTF-8 size of the event as JSON (what Langfuse and its SDKs measure). Only call on depth-checked values. */
export function eventByteSize(event: unknown): number {
  return Buffer.byteLength(JSON.stringify(event) ?? "", "utf8");
}
