// The explorer's read API. Every read is scoped to the caller's project; query strings are validated by
// JSON Schema so a bad filter gets a 400 naming the parameter. Mounted twice with different callers:
// at /api/v1 for API keys, and at /ui/api/v1 for signed-in UI users (services/explorer/ui-routes.ts).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { TracerelayError } from "../../lib/errors.ts";
import type { SqlClient } from "../../lib/store/types.ts";
import { getSession, getTrace, listSessions, listTraces, usageMetrics } from "./queries/index.ts";

export interface ExplorerDeps {
  sql: SqlClient;
  /** e.g. "/api/v1" */
  prefix: string;
  /** Authenticates the caller (throws a 401) and returns the project its reads are scoped to. */
  projectOf: (request: FastifyRequest) => string;
}

const time = { type: "string", format: "date-time" } as const;
const listTracesQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    from: time,
    to: time,
    name: { type: "string", maxLength: 1000 },
    session_id: { type: "string", maxLength: 800 },
    user_id: { type: "string", maxLength: 800 },
    model: { type: "string", maxLength: 200 },
    status: { enum: ["ok", "error", "unset"] },
    tags: { type: "string", maxLength: 2000, description: "comma-separated; a trace must carry all of them" },
    environment: { type: "string", maxLength: 200 },
    min_cost: { type: "number", minimum: 0 },
    limit: { type: "integer", minimum: 1, maximum: 1000 },
    cursor: { type: "string", maxLength: 500 },
  },
} as const;

export async function explorerRoutes(app: FastifyInstance, deps: ExplorerDeps): Promise<void> {
  const project = deps.projectOf;
  const at = (path: string) => `${deps.prefix}${path}`;

  app.get(at("/traces"), { schema: { querystring: listTracesQuery } }, async (request) => {
    const q = request.query as Record<string, string | number | undefined>;
    return listTraces(deps.sql, project(request), {
      from: q.from as string | undefined,
      to: q.to as string | undefined,
      name: q.name as string | undefined,
      sessionId: q.session_id as string | undefined,
      userId: q.user_id as string | undefined,
      model: q.model as string | undefined,
      status: q.status as "ok" | "error" | "unset" | undefined,
      tags: typeof q.tags === "string" && q.tags ? q.tags.split(",").map((t) => t.trim()) : undefined,
      environment: q.environment as string | undefined,
      minCostUsd: q.min_cost as number | undefined,
      limit: q.limit as number | undefined,
      cursor: q.cursor as string | undefined,
    });
  });

  app.get<{ Params: { trace_id: string } }>(at("/traces/:trace_id"), async (request) => {
    const traceId = request.params.trace_id.toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(traceId)) throw new TracerelayError("TR_BAD_QUERY", "trace_id must be 32 hex characters");
    const trace = await getTrace(deps.sql, project(request), traceId);
    if (!trace) throw new TracerelayError("TR_NOT_FOUND", `no trace ${traceId} in this project`);
    return trace;
  });

  app.get(
    at("/sessions"),
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { from: time, to: time, user_id: { type: "string" }, limit: { type: "integer", minimum: 1, maximum: 1000 }, cursor: { type: "string" } },
        },
      },
    },
    async (request) => {
      const q = request.query as Record<string, string | number | undefined>;
      return listSessions(deps.sql, project(request), {
        from: q.from as string | undefined,
        to: q.to as string | undefined,
        userId: q.user_id as string | undefined,
        limit: q.limit as number | undefined,
        cursor: q.cursor as string | undefined,
      });
    },
  );

  app.get<{ Params: { session_id: string } }>(at("/sessions/:session_id"), async (request) => {
    const session = await getSession(deps.sql, project(request), request.params.session_id);
    if (!session) throw new TracerelayError("TR_NOT_FOUND", `no session ${request.params.session_id} in this project`);
    return session;
  });

  app.get(
    at("/metrics/usage"),
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { from: time, to: time, bucket: { enum: ["minute", "hour", "day"] }, group_by: { enum: ["model", "environment", "user"] } },
        },
      },
    },
    async (request) => {
      const q = request.query as Record<string, string | undefined>;
      return usageMetrics(deps.sql, project(request), {
        from: q.from,
        to: q.to,
        bucket: (q.bucket as "minute" | "hour" | "day" | undefined) ?? "hour",
        groupBy: q.group_by as "model" | "environment" | "user" | undefined,
      });
    },
  );
}
