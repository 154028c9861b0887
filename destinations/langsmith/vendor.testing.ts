// The vendor side for tests: reads a POST /runs/batch the way LangSmith would and lists every way it
// breaks the contract in /work/shared/contracts/langsmith/NOTES.md (§1 auth, §2.2 fields, §3
// dotted_order invariants). `answer` turns that into a response: 202 when clean, else 400 with a
// {"detail"} body as LangSmith does, so a contract violation fails the test as a dead letter.
import type { ReceivedRequest, ScriptedResponse } from "../_testkit/contract-server.ts";
import type { LangSmithRun } from "./mapper.ts";

/** What arrives is read with our own run type; every check below still treats each field as untrusted. */
export type ReceivedRun = LangSmithRun;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const SEGMENT = new RegExp(`^(\\d{8}T\\d{6})(\\d{6})Z(${UUID})$`);
const RUN_TYPES = ["llm", "chain", "tool", "retriever", "embedding", "prompt", "parser"];

/** `20260301T100000123456` → `2026-03-01T10:00:00.123456Z`. */
const segmentTime = (s: string, micros: string) => `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${micros}Z`;

function checkRun(run: ReceivedRun): string[] {
  const problems: string[] = [];
  const at = `run ${run.id}`;
  if (!new RegExp(`^${UUID}$`).test(run.id ?? "")) problems.push(`${at}: id is not a UUID`);
  if (!run.name) problems.push(`${at}: name is required`);
  if (!RUN_TYPES.includes(run.run_type)) problems.push(`${at}: run_type ${run.run_type} is not one of ${RUN_TYPES.join(", ")}`);
  if (typeof run.session_name !== "string" || !run.session_name) problems.push(`${at}: session_name missing`);
  if (typeof run.trace_id !== "string" || typeof run.dotted_order !== "string") return [...problems, `${at}: trace_id and dotted_order are required`];
  const segments = run.dotted_order.split(".").map((s) => SEGMENT.exec(s));
  if (segments.some((m) => !m)) return [...problems, `${at}: dotted_order segment must be YYYYMMDDTHHMMSSffffffZ<uuid>`];
  const ids = segments.map((m) => m![3]);
  const times = segments.map((m) => segmentTime(m![1], m![2]));
  if (ids.at(-1) !== run.id) problems.push(`${at}: dotted_order must end with the run id`);
  if (ids[0] !== run.trace_id) problems.push(`${at}: dotted_order must start with trace_id`);
  if (run.parent_run_id === undefined && ids.length !== 1) problems.push(`${at}: dotted_order must contain a single part for root runs`);
  if (run.parent_run_id !== undefined && ids.at(-2) !== run.parent_run_id) problems.push(`${at}: parent_run_id must be the penultimate dotted_order part`);
  if (times.some((t, i) => i > 0 && t < times[i - 1])) problems.push(`${at}: a child's dotted_order time precedes its parent's`);
  if (run.start_time !== times.at(-1)) problems.push(`${at}: start_time ${run.start_time} differs from its dotted_order time ${times.at(-1)}`);
  if (run.end_time !== undefined && run.end_time < run.start_time) problems.push(`${at}: end_time before start_time`);
  return problems;
}

export interface CheckedBatch {
  runs: ReceivedRun[];
  problems: string[];
}

export function checkBatchRequest(req: ReceivedRequest, apiKey: string): CheckedBatch {
  const problems: string[] = [];
  if (req.method !== "POST" || !req.path.endsWith("/runs/batch")) problems.push(`unexpected ${req.method} ${req.path}`);
  if (req.headers["x-api-key"] !== apiKey) problems.push("x-api-key missing or wrong");
  if (!String(req.headers["content-type"]).startsWith("application/json")) problems.push("content-type must be application/json");
  let body: { post?: ReceivedRun[]; patch?: ReceivedRun[] };
  try {
    body = JSON.parse(req.body.toString("utf8"));
  } catch {
    return { runs: [], problems: [...problems, "body is not JSON"] };
  }
  const runs = [...(body.post ?? []), ...(body.patch ?? [])];
  for (const run of runs) problems.push(...checkRun(run));
  return { runs, problems };
}

/** A contract-server fallback that plays LangSmith's /runs/batch. */
export function answer(apiKey: string): (req: ReceivedRequest) => ScriptedResponse {
  return (req) => {
    const { problems } = checkBatchRequest(req, apiKey);
    return problems.length
      ? { status: 400, headers: { "content-type": "application/json" }, body: JSON.stringify({ detail: problems.join("; ") }) }
      : { status: 202, headers: { "content-type": "application/json" }, body: '{"success":true}' };
  };
}
