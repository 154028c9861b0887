// `tracerelay rules check FILE` and `tracerelay rules test --rules FILE --span SPAN.json`.
// Destinations come from --destinations a,b,c, else from the `destinations:` of --config (or of FILE
// itself when it is a full tracerelay.yaml), else the default (store). Exit codes: 0 ok, 1 invalid
// rules or spans, 2 usage.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { DEFAULTS } from "../lib/config/defaults.ts";
import { RulesError } from "./compile.ts";
import { dryRun, normalizeDryRunInput } from "./dry-run.ts";
import { compileRulesText } from "./load.ts";

export const RULES_HELP = `Usage:
  tracerelay rules check FILE [--config tracerelay.yaml] [--destinations a,b]
  tracerelay rules test --rules FILE --span SPAN.json [--config tracerelay.yaml] [--destinations a,b]

FILE is a rules.yaml or a tracerelay.yaml with a rules: section. SPAN.json holds a span, an array of
spans (a trace), or {span, piece} envelopes. Exit code 0 = valid, 1 = invalid, 2 = usage.
`;

async function destinationsFor(text: string, configFile: string | undefined, list: string | undefined): Promise<string[]> {
  if (list) return list.split(",").map((s) => s.trim()).filter(Boolean);
  const fromYaml = (t: string) => {
    try {
      const v = parse(t) as { destinations?: Record<string, unknown> } | null;
      return v && typeof v === "object" && v.destinations ? Object.keys({ ...DEFAULTS.destinations, ...v.destinations }) : undefined;
    } catch {
      return undefined;
    }
  };
  if (configFile) return fromYaml(await readFile(configFile, "utf8")) ?? Object.keys(DEFAULTS.destinations);
  return fromYaml(text) ?? Object.keys(DEFAULTS.destinations);
}

export async function rulesCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { rules: { type: "string" }, span: { type: "string" }, config: { type: "string", short: "c" }, destinations: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const sub = positionals[0];
  if (values.help || !sub) {
    out(RULES_HELP);
    return values.help ? 0 : 2;
  }
  const file = sub === "check" ? positionals[1] : values.rules;
  if (!file || (sub !== "check" && sub !== "test") || (sub === "test" && !values.span)) {
    err(RULES_HELP);
    return 2;
  }
  try {
    const text = await readFile(file, "utf8");
    const destinations = await destinationsFor(text, values.config, values.destinations);
    const rules = compileRulesText(text, file, { destinations });
    if (sub === "check") {
      out(`${file}: ok (${rules.sampling.length} sampling, ${rules.redaction.length} redaction, ${rules.routes?.length ?? 0} route, ${rules.transforms.length} transform rules; destinations: ${destinations.join(", ")})\n`);
      return 0;
    }
    const { items, problems } = normalizeDryRunInput(JSON.parse(await readFile(values.span as string, "utf8")));
    if (problems.length) {
      err(`${values.span}: invalid span(s):\n  ${problems.join("\n  ")}\n`);
      return 1;
    }
    out(`${JSON.stringify({ results: dryRun(rules, items) }, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof RulesError) {
      err(`${e.message}\n`);
      return 1;
    }
    err(`${(e as Error).message}\n`);
    return 1;
  }
}
