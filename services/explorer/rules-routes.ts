// The rules API, mounted twice with one implementation (like deliveries-routes.ts):
//   at /api/v1     for project keys (PUT: a project in `server.admin_projects`), services/server.ts
//   at /ui/api/v1  for signed-in UI users (PUT: admins, with the CSRF token), services/explorer/ui-routes.ts
//
//   GET  {prefix}/rules          the live rules: document, YAML text, revision, where they came from
//                                (config file or an API change), whether the caller may change them and
//                                why not. Without a router in this process: `{ available: false, reason }`.
//   PUT  {prefix}/rules          replace the rules (JSON document, or YAML text with Content-Type
//                                application/yaml); validated fully first — 400 with EVERY problem, the
//                                old rules kept — then recorded in `<data_dir>/rules-history.jsonl` and
//                                swapped atomically. A restart re-applies the newest change while the
//                                config file's `rules:` are unchanged since (rules/history.ts).
//   POST {prefix}/rules/test     dry-run: { span | spans: [...], rules?: document or YAML text } → which
//                                rules fired, kept or dropped and why, what each destination would receive.
//   GET  {prefix}/rules/history  accepted changes, newest first (`limit`, default 50, at most 500), each
//                                with `text`: its YAML for an editor.
// The rules are process-wide (not per project): they decide what every project's spans reveal to vendors.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { stringify } from "yaml";
import { authenticate } from "../../lib/auth/credentials.ts";
import type { KeyStore } from "../../lib/auth/keys.ts";
import { TracerelayError } from "../../lib/errors.ts";
import { compileRules, RulesError } from "../../rules/compile.ts";
import { dryRun, normalizeDryRunInput } from "../../rules/dry-run.ts";
import { compileRulesText } from "../../rules/load.ts";
import type { RulesHolder } from "../../rules/runtime.ts";
import type { CompiledRules } from "../../rules/types.ts";

export type RulesAction = "read" | "test" | "write";
/** Who is calling, and whether they may replace the rules (else why not, for the UI to show). */
export type RulesCaller = { who: string; mayWrite: true } | { who: string; mayWrite: false; reason: string };

export interface RulesRouteDeps {
  prefix: string;
  /** The router's live rules; absent when this process does not run the route role. */
  rules?: RulesHolder;
  /** Authenticates the caller (throws 401; for "write"/"test" also checks CSRF where it applies). */
  authorize: (request: FastifyRequest, action: RulesAction) => RulesCaller;
  /** What GET says when `rules` is absent. */
  unavailableReason?: string;
}

const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];
export const NO_ROUTER_REASON =
  "this process does not run the route role: the rules are edited where the router runs (its UI or PUT /api/v1/rules), or in the configuration file's `rules:` section";

function invalid(reply: FastifyReply, err: RulesError) {
  return reply.status(400).send({ error: { code: err.code, message: "invalid rules; the previous rules are still in effect", details: { problems: err.problems } } });
}

const historyQuery = { type: "object", additionalProperties: false, properties: { limit: { type: "integer", minimum: 1, maximum: 500 } } } as const;

/** The YAML text of a rules document for an editor (the PUT's own text when it came as YAML). */
export function rulesYaml(holder: RulesHolder): string {
  if (holder.yaml !== undefined) return holder.yaml;
  const doc = holder.get()?.doc;
  if (!doc || Object.keys(doc).length === 0) return "# no rules: every destination receives every span unchanged\n";
  return stringify(doc, { lineWidth: 0 });
}

export async function rulesRoutes(app: FastifyInstance, deps: RulesRouteDeps): Promise<void> {
  const at = (path: string) => `${deps.prefix}${path}`;
  if (!app.hasContentTypeParser("application/yaml")) {
    app.addContentTypeParser(YAML_TYPES, { parseAs: "string" }, (_req, body, done) => done(null, body));
  }
  const holder = (): RulesHolder => {
    if (!deps.rules) throw new TracerelayError("TR_NOT_READY", deps.unavailableReason ?? NO_ROUTER_REASON);
    return deps.rules;
  };
  const compile = (h: RulesHolder, doc: unknown): CompiledRules =>
    typeof doc === "string" ? compileRulesText(doc, "request", { destinations: h.destinations, env: {} }) : compileRules(doc, { destinations: h.destinations });

  app.get(at("/rules"), async (request) => {
    const caller = deps.authorize(request, "read");
    const access = caller.mayWrite ? { can_edit: true } : { can_edit: false, read_only_reason: caller.reason };
    if (!deps.rules) return { available: false, reason: deps.unavailableReason ?? NO_ROUTER_REASON, ...access };
    const h = deps.rules;
    return {
      available: true,
      revision: h.revision,
      destinations: h.destinations,
      rules: h.get()?.doc ?? null,
      yaml: rulesYaml(h),
      source: h.source,
      file_hash: h.fileHash,
      history_persisted: h.history !== undefined,
      ...access,
    };
  });

  app.put(at("/rules"), { bodyLimit: 1024 * 1024 }, async (request, reply) => {
    const caller = deps.authorize(request, "write");
    if (!caller.mayWrite) throw new TracerelayError("TR_FORBIDDEN", caller.reason);
    const h = holder();
    let next: CompiledRules;
    try {
      next = compile(h, request.body ?? {});
    } catch (err) {
      if (err instanceof RulesError) return invalid(reply, err);
      throw err;
    }
    const yaml = typeof request.body === "string" ? request.body : undefined;
    // recorded first: a change that could not be persisted is not applied (a restart would lose it)
    const entry = await h.history?.append({ who: caller.who, rules: next.doc, yaml, base_hash: h.fileHash });
    h.swapFromApi(next, { kind: "api", history_revision: entry?.revision ?? null, who: caller.who, time: entry?.time ?? new Date().toISOString() }, yaml);
    return { revision: h.revision, history_revision: entry?.revision ?? null, rules: next.doc };
  });

  app.post(at("/rules/test"), { bodyLimit: 4 * 1024 * 1024 }, async (request, reply) => {
    deps.authorize(request, "test");
    const h = holder();
    const body = (request.body ?? {}) as { span?: unknown; spans?: unknown[]; rules?: unknown };
    let rules: CompiledRules | null;
    try {
      rules = body.rules !== undefined ? compile(h, body.rules) : h.get();
    } catch (err) {
      if (err instanceof RulesError) return invalid(reply, err);
      throw err;
    }
    rules ??= compileRules({}, { destinations: h.destinations });
    // `{ rules }` alone validates the candidate (the editor's "Validate")
    if (body.rules !== undefined && body.span === undefined && body.spans === undefined) return { valid: true, results: [] };
    const { items, problems } = normalizeDryRunInput(body.spans ?? body.span);
    if (problems.length) return reply.status(400).send({ error: { code: "TR_SPANS_INVALID", message: "invalid span(s)", details: { problems } } });
    return { valid: true, results: dryRun(rules, items) };
  });

  app.get(at("/rules/history"), { schema: { querystring: historyQuery } }, async (request) => {
    deps.authorize(request, "read");
    const limit = (request.query as { limit?: number }).limit ?? 50;
    const history = deps.rules?.history;
    // `text`: what "load into editor" shows — the YAML as sent, else the document as YAML
    const items = history ? (await history.list(limit)).map((e) => ({ ...e, text: e.yaml ?? stringify(e.rules ?? {}, { lineWidth: 0 }) })) : [];
    return { persisted: history !== undefined, items };
  });
}

/** The /api/v1 mount: project keys; only a project in `server.admin_projects` may replace the rules. */
export function keyAuthorizer(keys: KeyStore, adminProjects: readonly string[]): RulesRouteDeps["authorize"] {
  return (request) => {
    const { projectId } = authenticate(keys, request.headers);
    const who = `project:${projectId}`;
    return adminProjects.includes(projectId) ? { who, mayWrite: true } : { who, mayWrite: false, reason: `project ${projectId} may not replace the rules; allowed: server.admin_projects` };
  };
}
