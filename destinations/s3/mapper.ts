// S3 mapper (pure). A batch becomes one object per (project, UTC hour of start_time) group:
//   key  = key_template with {prefix} {project} {yyyy} {mm} {dd} {hh} {batch_id}
//   body = gzip(JSON Lines of the group's canonical spans, ordered by start_time, trace_id, span_id)
// batch_id is a hash of the group's sorted "trace_id:span_id" list, so the same spans always land
// under the same key with the same bytes: a retry, a bus redelivery or a replay overwrites the object
// instead of adding a duplicate. Project ids are URI-encoded so a "/" cannot invent a folder.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { spanJson } from "../../lib/span/json.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { MappingError } from "../_delivery/index.ts";

export const DEFAULT_KEY_TEMPLATE = "{prefix}project={project}/date={yyyy}-{mm}-{dd}/hour={hh}/{batch_id}.jsonl.gz";
const PLACEHOLDERS = new Set(["prefix", "project", "yyyy", "mm", "dd", "hh", "batch_id"]);

export interface S3Object {
  key: string;
  body: Uint8Array;
  spanCount: number;
}

export interface S3Request {
  objects: S3Object[];
}

export interface KeyParts {
  prefix: string;
  keyTemplate: string;
}

/** Problems with a key template (unknown placeholder, no {batch_id}); empty when it is usable. */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
    if (!PLACEHOLDERS.has(name)) problems.push(`has an unknown placeholder {${name}} (known: ${[...PLACEHOLDERS].map((p) => `{${p}}`).join(" ")})`);
  }
  if (!template.includes("{batch_id}")) problems.push("must contain {batch_id}, or batches would overwrite each other");
  return problems;
}

/** Stable id of a set of spans: independent of their order and content, 128 bits of sha256. */
export function batchId(spans: readonly Pick<CanonicalSpan, "trace_id" | "span_id">[]): string {
  const ids = spans.map((s) => `${s.trace_id}:${s.span_id}`).sort();
  return createHash("sha256").update(ids.join("\n")).digest("hex").slice(0, 32);
}

// Canonical start_time is "YYYY-MM-DDTHH:MM:SS.ffffffZ" (lib/span/time.ts): the partition is its prefix.
const CANONICAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}:\d{2}(?:\.\d+)?Z$/;

function partitionOf(span: CanonicalSpan): { project: string; yyyy: string; mm: string; dd: string; hh: string } {
  const m = CANONICAL_TIME.exec(span.start_time);
  if (!m) throw new MappingError(`span ${span.span_id} has a non-canonical start_time ${JSON.stringify(span.start_time)}`);
  if (!span.project_id) throw new MappingError(`span ${span.span_id} has no project_id`);
  return { project: encodeURIComponent(span.project_id), yyyy: m[1], mm: m[2], dd: m[3], hh: m[4] };
}

const order = (a: CanonicalSpan, b: CanonicalSpan) =>
  a.start_time.localeCompare(b.start_time) || a.trace_id.localeCompare(b.trace_id) || a.span_id.localeCompare(b.span_id);

function jsonLine(span: CanonicalSpan): string {
  try {
    return `${spanJson(span)}\n`;
  } catch (err) {
    // Only a span that is not JSON (a cycle, a BigInt) gets here; the bus boundary normally prevents it.
    throw new MappingError(`span ${span.span_id} cannot be encoded as JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function mapS3(spans: CanonicalSpan[], parts: KeyParts): S3Request {
  const groups = new Map<string, { vars: Record<string, string>; spans: CanonicalSpan[] }>();
  for (const span of spans) {
    const vars: Record<string, string> = { prefix: parts.prefix, ...partitionOf(span) };
    const id = `${vars.project}/${vars.yyyy}${vars.mm}${vars.dd}${vars.hh}`;
    const group = groups.get(id) ?? { vars, spans: [] };
    group.spans.push(span);
    groups.set(id, group);
  }
  const objects = [...groups.values()].map(({ vars, spans: members }) => {
    const all: Record<string, string> = { ...vars, batch_id: batchId(members) };
    const key = parts.keyTemplate.replace(/\{(\w+)\}/g, (_, name: string) => all[name]);
    const body = gzipSync(members.sort(order).map(jsonLine).join(""));
    return { key, body, spanCount: members.length };
  });
  return { objects };
}
