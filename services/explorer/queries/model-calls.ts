// The model-call rule, in SQL, shared by every explorer query that reports tokens, cost or requests:
//
//   Trace totals sum MODEL CALLS only: spans of kind llm / embedding / rerank (MODEL_KINDS), minus every
//   model span that has a model-kind descendant in the same trace. Such a span describes the same call
//   as its descendant (an OpenInference LLM span wrapping the Anthropic SDK's own span) or rolls it up
//   (a Vercel `ai.generateText` root typed as llm); roll-up parents of other kinds (agent, chain) never
//   count because they are not model spans.
//
// How: per trace, the ids, parent positions and model flags of all spans are gathered into arrays; from
// each model span the walk climbs parent links through non-model spans (at most MAX_CLIMB steps) to its
// nearest model ancestor. Those ancestors are "covered" and do not count. Rows are read with FINAL, so a
// redelivered span is one span here too.
//
// A scope is a SQL condition on `trace_id` that selects the traces to read; it is fixed text using only
// bound parameters (never user values), e.g. "trace_id IN {trace_ids:Array(String)}". Every builder
// also binds {project_id:String}.
import { MODEL_KINDS } from "../../../lib/span/types.ts";

export type TraceScope = string;

/** Constant SQL list of the model kinds: ('llm', 'embedding', 'rerank'). */
export const MODEL_KINDS_SQL = `(${MODEL_KINDS.map((k) => `'${k}'`).join(", ")})`;

/** Parent links climbed from a model span looking for a model ancestor (guards against cycles too). */
const MAX_CLIMB = 16;

/**
 * Per trace (needs `ids`, `parent_idx`, `is_model` arrays in scope): model spans with a model descendant.
 * The climb follows `parent_idx` (each span's parent as a 1-based position in `ids`, 0 = none), so a step
 * is an O(1) array access; positions are resolved once per trace with indexOf (an id lookup per step
 * made a 5,000-span trace take seconds).
 */
const COVERED_MODEL_SPANS = `
        arrayMap(at -> ids[at], arrayDistinct(arrayFilter(
            at -> at > 0 AND is_model[at] = 1,
            arrayMap(
                start -> arrayFold(
                    (at, step) -> if(at = 0 OR is_model[at] = 1, at, parent_idx[at]),
                    range(${MAX_CLIMB}), start),
                arrayFilter((parent, model_span) -> model_span = 1, parent_idx, is_model)))))`;

/**
 * One row per COUNTED model call in the scoped traces: trace_id, span_id, start_time, duration_ms,
 * model, is_error, input/output/total tokens, cost_usd, and environment / user_id (the span's, else the
 * trace's, since context often sits on the root span only).
 */
export function modelCallsSql(scope: TraceScope): string {
  return `
SELECT
    call.trace_id AS trace_id,
    call.span_id AS span_id,
    call.start_time AS start_time,
    call.latency_ms AS duration_ms,
    call.call_model AS model,
    call.is_error AS is_error,
    call.input_tokens AS input_tokens,
    call.output_tokens AS output_tokens,
    call.total_tokens AS total_tokens,
    call.cost_usd AS cost_usd,
    coalesce(call.call_environment, tr.trace_environment) AS environment,
    coalesce(call.call_user_id, tr.trace_user_id) AS user_id
FROM
(
    SELECT
        trace_id,
        span_id,
        start_time,
        coalesce(duration_ms, dateDiff('microsecond', start_time, end_time) / 1000) AS latency_ms,
        CAST(model, 'Nullable(String)') AS call_model,
        CAST(environment, 'Nullable(String)') AS call_environment,
        user_id AS call_user_id,
        toUInt8(status = 'error' OR ifNull(level, '') = 'error') AS is_error,
        ifNull(tupleElement(usage, 'input_tokens'), 0) AS input_tokens,
        ifNull(tupleElement(usage, 'output_tokens'), 0) AS output_tokens,
        ifNull(tupleElement(usage, 'total_tokens'), ifNull(tupleElement(usage, 'input_tokens'), 0) + ifNull(tupleElement(usage, 'output_tokens'), 0)) AS total_tokens,
        ifNull(tupleElement(cost, 'total_usd'), ifNull(tupleElement(cost, 'input_usd'), 0) + ifNull(tupleElement(cost, 'output_usd'), 0)) AS cost_usd
    FROM spans FINAL
    WHERE project_id = {project_id:String} AND (${scope}) AND kind IN ${MODEL_KINDS_SQL}
) AS call
INNER JOIN
(
    SELECT
        trace_id,
        max(CAST(environment, 'Nullable(String)')) AS trace_environment,
        max(user_id) AS trace_user_id,
        groupArray(span_id) AS ids,
        groupArray(ifNull(parent_span_id, '')) AS parents,
        arrayMap(parent -> toUInt32(indexOf(ids, parent)), parents) AS parent_idx,
        groupArray(toUInt8(kind IN ${MODEL_KINDS_SQL})) AS is_model,
        ${COVERED_MODEL_SPANS.trim()} AS covered
    FROM spans FINAL
    WHERE project_id = {project_id:String} AND (${scope})
    GROUP BY trace_id
) AS tr ON call.trace_id = tr.trace_id
WHERE NOT has(tr.covered, call.span_id)`;
}

/** Per trace in scope that has counted model calls: summed tokens and cost, and the number of calls. */
export function traceTotalsSql(scope: TraceScope): string {
  return `
SELECT
    trace_id,
    count() AS model_calls,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(total_tokens) AS total_tokens,
    sum(cost_usd) AS cost_usd
FROM (${modelCallsSql(scope)})
GROUP BY trace_id`;
}
