// Destinations and failed deliveries:
//   GET  {prefix}/destinations                 each configured destination's health, breaker, totals,
//                                               p95, lag, last error, throughput sparkline (never its config)
//   GET  {prefix}/deliveries/failed             the caller's project's dead letters, newest first; filters
//                                               destination, status (failed|replayed|all), error_class,
//                                               from/to, trace_id; cursor paging
//   GET  {prefix}/deliveries/failed/:id         one letter with its spans and the letters it was replayed from
//   POST {prefix}/deliveries/replay             { ids } or { filter }, optional replay_to (another destination),
//                                               limit (letters per call); loop until `remaining` is 0
// Mounted at /api/v1 (project keys) and /ui/api/v1 (signed-in users; replay needs the admin role).
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Bus } from "../../lib/bus/types.ts";
import { ReplayTargetError, replayLetters } from "../../lib/dlq/replay.ts";
import { countLetters, type LetterFilter, listLetters } from "../../lib/dlq/table.ts";
import { TracerelayError } from "../../lib/errors.ts";
import type { SqlClient } from "../../lib/store/types.ts";
import { decodeCursor, encodeCursor } from "./queries/cursor.ts";
import { parseTime, parseTimeRange } from "./queries/params.ts";
import { destinationsStatus } from "./destinations.ts";
import { getTrace } from "./queries/index.ts";
import { traceDeliveries } from "./span-deliveries.ts";
import type { CompiledRules } from "../../rules/types.ts";

export interface DeliveriesDeps {
  sql: SqlClient;
  /** For replay (produce to deliver.<name>); without it replay answers 503. */
  bus?: Bus;
  destinations: Record<string, { type: string }>;
  prefix: string;
  projectOf: (request: FastifyRequest) => string;
  /** Throws a 403 when the caller may not replay (UI viewers). */
  assertCanReplay: (request: FastifyRequest) => void;
  /** The live rules when this process runs the router (routing per span in the trace view). */
  rules?: { get(): CompiledRules | null };
}

const time = { type: "string", maxLength: 64 } as const;
const filterProps = {
  destination: { type: "string", maxLength: 200 },
  error_class: { enum: ["permanent", "transient", "mapping"] },
  from: time,
  to: time,
  trace_id: { type: "string", pattern: "^[0-9a-fA-F]{32}$" },
} as const;

const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: { ...filterProps, status: { enum: ["failed", "replayed", "all"] }, limit: { type: "integer", minimum: 1, maximum: 500 }, cursor: { type: "string", maxLength: 500 } },
} as const;

const replayBody = {
  type: "object",
  additionalProperties: false,
  properties: {
    ids: { type: "array", minItems: 1, maxItems: 1000, items: { type: "string", maxLength: 64 } },
    filter: { type: "object", additionalProperties: false, properties: filterProps },
    replay_to: { type: "string", maxLength: 200 },
    limit: { type: "integer", minimum: 1, maximum: 1000 },
  },
} as const;

interface FilterInput {
  destination?: string;
  error_class?: string;
  from?: string;
  to?: string;
  trace_id?: string;
}

function toFilter(project: string, q: FilterInput): LetterFilter {
  const range = parseTimeRange(q.from, q.to);
  return { project, destination: q.destination, errorClass: q.error_class, from: range.from, to: range.to, traceId: q.trace_id?.toLowerCase() };
}

export async function deliveriesRoutes(app: FastifyInstance, deps: DeliveriesDeps): Promise<void> {
  const at = (path: string) => `${deps.prefix}${path}`;

  app.get(at("/destinations"), async (request) => {
    const project = deps.projectOf(request);
    return { destinations: await destinationsStatus(deps.sql, deps.destinations, project) };
  });

  app.get<{ Params: { trace_id: string } }>(at("/traces/:trace_id/deliveries"), async (request) => {
    const project = deps.projectOf(request);
    const traceId = request.params.trace_id.toLowerCase();
    const trace = await getTrace(deps.sql, project, traceId);
    if (!trace) throw new TracerelayError("TR_NOT_FOUND", `no trace ${traceId} in this project`);
    const status = await destinationsStatus(deps.sql, deps.destinations, project);
    return traceDeliveries(deps.sql, project, traceId, trace.spans, status, deps.rules ? deps.rules.get() : undefined);
  });

  app.get(at("/deliveries/failed"), { schema: { querystring: listQuery } }, async (request) => {
    const q = request.query as FilterInput & { status?: "failed" | "replayed" | "all"; limit?: number; cursor?: string };
    const filter = { ...toFilter(deps.projectOf(request), q), status: q.status ?? "failed" };
    const limit = q.limit ?? 50;
    const before = decodeCursor(q.cursor);
    const [items, totals] = await Promise.all([listLetters(deps.sql, filter, { limit, before }), before ? undefined : countLetters(deps.sql, filter)]);
    const last = items.at(-1);
    return {
      items,
      ...(totals ? { total: totals } : {}),
      next_cursor: items.length === limit && last ? encodeCursor({ time: parseTime("cursor", last.dead_lettered_at)!, id: last.id }) : null,
    };
  });

  app.get<{ Params: { id: string } }>(at("/deliveries/failed/:id"), async (request) => {
    const project = deps.projectOf(request);
    const [letter] = await listLetters(deps.sql, { project, status: "all", ids: [request.params.id] }, { limit: 1, withSpans: true });
    if (!letter) throw new TracerelayError("TR_NOT_FOUND", `no dead letter ${request.params.id} in this project`);
    const history = letter.replay_of.length ? await listLetters(deps.sql, { project, status: "all", ids: letter.replay_of }, { limit: 100 }) : [];
    return { ...letter, history };
  });

  app.post(at("/deliveries/replay"), { schema: { body: replayBody } }, async (request) => {
    const project = deps.projectOf(request);
    deps.assertCanReplay(request);
    const body = request.body as { ids?: string[]; filter?: FilterInput; replay_to?: string; limit?: number };
    if (!body.ids && !body.filter) throw new TracerelayError("TR_REPLAY_INVALID", "say what to replay: ids (letter ids) or filter ({} replays every failed letter of the project)");
    if (!deps.bus) throw new TracerelayError("TR_NOT_READY", "this process has no bus to replay onto");
    const filter: LetterFilter = body.ids ? { project, ids: body.ids } : toFilter(project, body.filter ?? {});
    try {
      return await replayLetters(deps.sql, deps.bus, Object.keys(deps.destinations), { filter, to: body.replay_to, limit: body.limit ?? 500 });
    } catch (err) {
      if (err instanceof ReplayTargetError) throw new TracerelayError("TR_REPLAY_INVALID", err.message);
      throw err;
    }
  });
}
