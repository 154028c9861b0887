// The rules API:
//   GET  /api/v1/rules        the live rules document and its revision
//   PUT  /api/v1/rules        replace the rules (JSON document, or YAML text with Content-Type
//                             application/yaml); validated fully first — 400 with EVERY problem, the
//                             old rules kept — then swapped atomically. In memory only: a restart (or
//                             an edit of the watched config file) brings back the file's rules.
//   POST /api/v1/rules/test   dry-run: { span | spans: [...], rules?: document or YAML text } → which
//                             rules fired, kept or dropped and why, what each destination would receive.
// Every call needs a project key. The rules are process-wide (not per project), so only a project in
// `server.admin_projects` (default: "default", the first project) may replace them.
import type { FastifyInstance, FastifyReply } from "fastify";
import { authenticate } from "../../lib/auth/credentials.ts";
import type { KeyStore } from "../../lib/auth/keys.ts";
import { TracerelayError } from "../../lib/errors.ts";
import { compileRules, RulesError } from "../../rules/compile.ts";
import { dryRun, normalizeDryRunInput } from "../../rules/dry-run.ts";
import { compileRulesText } from "../../rules/load.ts";
import type { RulesHolder } from "../../rules/runtime.ts";
import type { CompiledRules } from "../../rules/types.ts";

export interface RulesRouteDeps {
  rules: RulesHolder;
  keys: KeyStore;
  /** Projects whose keys may replace the process-wide rules (config `server.admin_projects`). */
  adminProjects: readonly string[];
}

const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];

function invalid(reply: FastifyReply, err: RulesError) {
  return reply.status(400).send({ error: { code: err.code, message: "invalid rules; the previous rules are still in effect", details: { problems: err.problems } } });
}

export async function rulesRoutes(app: FastifyInstance, deps: RulesRouteDeps): Promise<void> {
  app.addContentTypeParser(YAML_TYPES, { parseAs: "string" }, (_req, body, done) => done(null, body));
  const compile = (doc: unknown): CompiledRules =>
    typeof doc === "string" ? compileRulesText(doc, "request", { destinations: deps.rules.destinations, env: {} }) : compileRules(doc, { destinations: deps.rules.destinations });

  app.get("/api/v1/rules", async (request) => {
    authenticate(deps.keys, request.headers);
    const current = deps.rules.get();
    return { revision: deps.rules.revision, destinations: deps.rules.destinations, rules: current?.doc ?? null };
  });

  app.put("/api/v1/rules", { bodyLimit: 1024 * 1024 }, async (request, reply) => {
    // Rules are process-wide (they decide what every project's spans reveal to vendors): only an
    // admin project may replace them.
    const { projectId } = authenticate(deps.keys, request.headers);
    if (!deps.adminProjects.includes(projectId)) {
      throw new TracerelayError("TR_FORBIDDEN", `project ${projectId} may not replace the rules; allowed: server.admin_projects`);
    }
    try {
      const next = compile(request.body ?? {});
      deps.rules.swap(next);
      return { revision: deps.rules.revision, rules: next.doc };
    } catch (err) {
      if (err instanceof RulesError) return invalid(reply, err);
      throw err;
    }
  });

  app.post("/api/v1/rules/test", { bodyLimit: 4 * 1024 * 1024 }, async (request, reply) => {
    authenticate(deps.keys, request.headers);
    const body = (request.body ?? {}) as { span?: unknown; spans?: unknown[]; rules?: unknown };
    let rules: CompiledRules | null;
    try {
      rules = body.rules !== undefined ? compile(body.rules) : deps.rules.get();
    } catch (err) {
      if (err instanceof RulesError) return invalid(reply, err);
      throw err;
    }
    rules ??= compileRules({}, { destinations: deps.rules.destinations });
    const { items, problems } = normalizeDryRunInput(body.spans ?? body.span);
    if (problems.length) return reply.status(400).send({ error: { code: "TR_SPANS_INVALID", message: "invalid span(s)", details: { problems } } });
    return { results: dryRun(rules, items) };
  });
}
