// `tracerelay replay`: replays dead letters through a running tracerelay's API, page by page, with a
// progress bar on stderr (a TTY) or one line per page (CI logs). Exit codes: 0 done, 1 failed, 2 usage.
//
//   tracerelay replay --url http://127.0.0.1:4318 --key sk-tr-… [--destination NAME] [--error-class permanent]
//                     [--from ISO] [--to ISO] [--id ID …] [--replay-to NAME] [--page 200] [--dry-run]
import { parseArgs } from "node:util";

export const REPLAY_HELP = `Usage:
  tracerelay replay --key SECRET_KEY [--url URL] [filters] [--replay-to NAME] [--page N] [--dry-run]

Replays failed deliveries (dead letters) of the key's project: each letter's spans go back to its
destination (or to --replay-to) and the letters are marked replayed. Spans that fail again return
to the dead-letter list with their history.

Options:
  --url URL             tracerelay's API (default http://127.0.0.1:4318, or TRACERELAY_URL)
  --key SECRET_KEY      the project's secret key sk-tr-… (or TRACERELAY_SECRET_KEY)
  --id ID               replay this letter (repeatable); otherwise every failed letter matching:
  --destination NAME    letters of this destination
  --error-class CLASS   permanent | transient | mapping
  --from ISO, --to ISO  dead-lettered in this time range
  --trace-id ID         letters holding spans of this trace
  --replay-to NAME      send to this destination instead of each letter's own
  --page N              letters per request (default 200, max 1000)
  --dry-run             only count what would be replayed
`;

type Out = (s: string) => void;

interface Args {
  url: string;
  key: string;
  ids?: string[];
  filter: Record<string, string>;
  replayTo?: string;
  page: number;
  dryRun: boolean;
}

function parse(argv: string[], env: NodeJS.ProcessEnv): Args | string {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: "string" },
        key: { type: "string" },
        id: { type: "string", multiple: true },
        destination: { type: "string" },
        "error-class": { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        "trace-id": { type: "string" },
        "replay-to": { type: "string" },
        page: { type: "string" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    return (err as Error).message;
  }
  if (values.help) return "";
  const key = (values.key as string | undefined) ?? env.TRACERELAY_SECRET_KEY;
  if (!key) return "--key (or TRACERELAY_SECRET_KEY) is required";
  const page = values.page === undefined ? 200 : Number(values.page);
  if (!Number.isInteger(page) || page < 1 || page > 1000) return "--page must be an integer from 1 to 1000";
  const filter: Record<string, string> = {};
  for (const [flag, field] of [["destination", "destination"], ["error-class", "error_class"], ["from", "from"], ["to", "to"], ["trace-id", "trace_id"]] as const) {
    const v = values[flag];
    if (typeof v === "string") filter[field] = v;
  }
  return {
    url: ((values.url as string | undefined) ?? env.TRACERELAY_URL ?? "http://127.0.0.1:4318").replace(/\/$/, ""),
    key,
    ids: values.id as string[] | undefined,
    filter,
    replayTo: values["replay-to"] as string | undefined,
    page,
    dryRun: values["dry-run"] === true,
  };
}

async function call<T>(args: Args, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${args.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${args.key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON: the text itself
    }
    throw new Error(`${method} ${path} → HTTP ${res.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}

function bar(done: number, total: number, width = 30): string {
  const frac = total === 0 ? 1 : Math.min(1, done / total);
  const full = Math.round(frac * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}] ${done}/${total} letters (${Math.round(frac * 100)}%)`;
}

export async function replayCommand(argv: string[], out: Out, err: Out, env: NodeJS.ProcessEnv = process.env, isTty = process.stderr.isTTY === true): Promise<number> {
  const args = parse(argv, env);
  if (typeof args === "string") {
    if (args) err(`tracerelay replay: ${args}\n\n`);
    (args ? err : out)(REPLAY_HELP);
    return args ? 2 : 0;
  }
  try {
    const query = new URLSearchParams({ ...args.filter, limit: "1" });
    const total = args.ids
      ? args.ids.length
      : (await call<{ total: { letters: number; spans: number } }>(args, "GET", `/api/v1/deliveries/failed?${query}`)).total.letters;
    if (args.dryRun || total === 0) {
      out(`${total} failed letter(s) match${args.dryRun ? " (dry run: nothing replayed)" : "; nothing to replay"}\n`);
      return 0;
    }
    // Letters that fail again come back as new letters matching the same filter: bound the replay to
    // what was dead-lettered before it started, so it always ends.
    if (!args.ids && !args.filter.to) args.filter.to = new Date().toISOString();
    let letters = 0;
    let spans = 0;
    const where: Record<string, number> = {};
    for (;;) {
      const body = { ...(args.ids ? { ids: args.ids } : { filter: args.filter }), ...(args.replayTo ? { replay_to: args.replayTo } : {}), limit: args.page };
      const r = await call<{ replayed_letters: number; replayed_spans: number; remaining: number; destinations: Record<string, number> }>(args, "POST", "/api/v1/deliveries/replay", body);
      letters += r.replayed_letters;
      spans += r.replayed_spans;
      for (const [d, n] of Object.entries(r.destinations)) where[d] = (where[d] ?? 0) + n;
      const line = bar(letters, Math.max(total, letters + r.remaining));
      if (isTty) err(`\r${line}`);
      else err(`${line}\n`);
      // ids replay in one call; a filter is done when nothing matches or a page moved nothing
      if (args.ids || r.remaining === 0 || r.replayed_letters === 0) break;
    }
    if (isTty) err("\n");
    out(`replayed ${letters} letter(s), ${spans} span(s): ${Object.entries(where).map(([d, n]) => `${d} ${n}`).join(", ") || "none"}\n`);
    return 0;
  } catch (e) {
    err(`tracerelay replay: ${(e as Error).message}\n`);
    return 1;
  }
}
