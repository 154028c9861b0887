// The explorer's query functions: (sql, projectId, params) → plain JSON. Every query is scoped to the
// project and binds every value as a parameter. Trace totals, session totals and usage metrics follow
// the model-call rule (model-calls.ts), so lists, details and metrics agree.
export { getTrace, listTraces } from "./traces.ts";
export { getSession, listSessions } from "./sessions.ts";
export { usageMetrics } from "./usage.ts";
export type * from "./types.ts";
