// Deployment checks: the Helm chart (helm lint, helm template with default and with every option on,
// the rendered manifests validated by kubeconform against the Kubernetes JSON schemas, offline) and
// docker-compose.yml (parsed and checked against the code: roles, ports, env vars, the mounted config).
// helm/kubeconform/schemas come from scripts/deploy/install.ts (Go module proxy + PyPI, cached in
// .cache). Without them the chart tests are skipped locally, but FAIL when CI=true.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { DEFAULTS, loadConfig } from "../../lib/config/index.ts";
import { TRACERELAY_ENV_VARS } from "../../lib/config/load.ts";
import { ROLE_NAMES } from "../../services/roles/context.ts";
import { type DeployTools, ensureDeployTools, SCHEMA_K8S_VERSIONS, schemaLocation } from "./install.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHART = path.join(ROOT, "charts", "tracerelay");
const KNOWN_ENV = new Set<string>(TRACERELAY_ENV_VARS);

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

let tools: DeployTools | undefined;
let toolsError: Error | undefined;

beforeAll(async () => {
  try {
    tools = await ensureDeployTools((line) => console.log(`[deploy tools] ${line}`));
  } catch (err) {
    toolsError = err as Error;
    if (process.env.CI === "true") throw new Error(`CI: helm/kubeconform/schemas could not be installed: ${toolsError.message}`);
    console.warn(`[deploy tools] unavailable, chart tests skipped: ${toolsError.message}`);
  }
}, 20 * 60_000);

function needTools(ctx: { skip: (note?: string) => void }): DeployTools {
  if (!tools) {
    if (process.env.CI === "true") throw toolsError ?? new Error("deploy tools missing");
    ctx.skip(`helm/kubeconform unavailable: ${toolsError?.message}`);
  }
  return tools!;
}

function exec(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Every values file in a temp dir; returns the -f arguments. */
function valuesArgs(values: object[]): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "tracerelay-values-"));
  return values.flatMap((v, i) => {
    const file = path.join(dir, `values-${i}.yaml`);
    writeFileSync(file, JSON.stringify(v));
    return ["-f", file];
  });
}

function helmTemplate(t: DeployTools, values: object[] = [], k8s = "1.37.0"): { text: string; manifests: Manifest[] } {
  const r = exec(t.helm, ["template", "tr", CHART, "--namespace", "obs", "--kube-version", k8s, ...valuesArgs(values)]);
  if (r.status !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
  const manifests = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
  return { text: r.stdout, manifests };
}

function kubeconform(t: DeployTools, text: string, k8s: string, skip: string[] = []): void {
  const dir = mkdtempSync(path.join(tmpdir(), "tracerelay-manifests-"));
  const file = path.join(dir, "manifests.yaml");
  writeFileSync(file, text);
  try {
    const args = ["-strict", "-summary", "-output", "text", "-kubernetes-version", k8s, "-schema-location", schemaLocation(t, k8s)];
    if (skip.length) args.push("-skip", skip.join(","));
    const r = exec(t.kubeconform, [...args, file]);
    expect(r.status, `kubeconform (Kubernetes ${k8s}):\n${r.stdout}${r.stderr}`).toBe(0);
    // A resource without a schema would be "skipped" silently; only the ones named in `skip` may be.
    expect(r.stdout).toMatch(/Invalid: 0, Errors: 0/);
    const skipped = Number(/Skipped: (\d+)/.exec(r.stdout)?.[1] ?? "0");
    const expected = parseAllDocuments(text).filter((d) => skip.includes((d.toJS() as Manifest | null)?.kind ?? "")).length;
    expect(skipped).toBe(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ALL_ON = {
  image: { repository: "registry.example.com/tracerelay", tag: "0.1.0" },
  kafka: { brokers: ["kafka-0.kafka:9092", "kafka-1.kafka:9092"] },
  store: { existingSecret: "clickhouse-url", existingSecretKey: "url" },
  auth: { existingSecret: "tr-keys", admin: { existingSecret: "tr-admin" } },
  secretEnv: [
    { name: "LANGFUSE_PUBLIC_KEY", existingSecret: "langfuse", key: "public-key" },
    { name: "LANGFUSE_SECRET_KEY", existingSecret: "langfuse", key: "secret-key" },
    { name: "TRACERELAY_HASH_KEY_VALUE", existingSecret: "tr-rules", key: "hash-key" },
  ],
  extraEnv: [{ name: "NODE_OPTIONS", value: "--max-old-space-size=1536" }],
  config: {
    bus: { partitions: 8, replication_factor: 3, topic_prefix: "prod." },
    destinations: {
      store: { type: "store" },
      langfuse: { type: "langfuse", base_url: "https://cloud.langfuse.com", public_key: "${LANGFUSE_PUBLIC_KEY}", secret_key: "${LANGFUSE_SECRET_KEY}" },
    },
  },
  rules: {
    hash_key: "${TRACERELAY_HASH_KEY_VALUE}",
    sampling: [{ name: "keep-errors", when: { "==": [{ var: "status" }, "error"] }, keep: 1 }, { name: "rest", keep: 0.5 }],
    routes: [{ name: "all", to: ["store", "langfuse"] }],
  },
  roles: {
    ingest: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 20, targetMemoryUtilizationPercentage: 80 }, service: { type: "LoadBalancer" } },
    route: { autoscaling: { enabled: true } },
    deliver: { autoscaling: { enabled: true }, destinations: ["store", "langfuse"] },
    explorer: { replicaCount: 1 },
  },
  metrics: { serviceMonitor: { enabled: true, labels: { release: "prometheus" } } },
};

/** The env a container would see, secretKeyRefs replaced by a placeholder long enough for any check. */
function containerEnv(d: Manifest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of d.spec.template.spec.containers[0].env) env[e.name] = e.value ?? `from-secret-${e.valueFrom.secretKeyRef.name}-${e.valueFrom.secretKeyRef.key}`;
  return env;
}

function checkManifests(manifests: Manifest[], values: { roles: string[]; hpa: string[] }): void {
  const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
  const deployments = byKind("Deployment");
  expect(deployments.map((d) => d.metadata.labels?.["app.kubernetes.io/component"]).sort()).toEqual([...values.roles].sort());
  const configMap = byKind("ConfigMap")[0];
  expect(Object.keys(configMap.data ?? {}).sort()).toEqual(["rules.yaml", "tracerelay.yaml"]);
  for (const d of deployments) {
    const role = d.metadata.labels!["app.kubernetes.io/component"];
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.args[0]).toBe(role);
    expect((ROLE_NAMES as readonly string[]).includes(c.args[0])).toBe(true);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(c.livenessProbe.httpGet.path).toBe("/health/live");
    expect(c.readinessProbe.httpGet.path).toBe("/health/ready");
    expect(c.resources.requests.cpu).toBeTruthy();
    const env = containerEnv(d);
    for (const name of Object.keys(env).filter((n) => n.startsWith("TRACERELAY_"))) {
      // every TRACERELAY_* variable is one the code reads, or one the configuration references
      const referenced = configMap.data!["tracerelay.yaml"].includes(`\${${name}}`);
      expect(KNOWN_ENV.has(name) || referenced, `${d.metadata.name}: ${name} is read by nothing`).toBe(true);
    }
    expect(c.ports[0].containerPort).toBe(Number(env.TRACERELAY_PORT));
    expect(d.spec.replicas === undefined).toBe(values.hpa.includes(role));
  }
  for (const hpa of byKind("HorizontalPodAutoscaler")) {
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(deployments.map((d) => d.metadata.name)).toContain(hpa.spec.scaleTargetRef.name);
  }
  expect(byKind("HorizontalPodAutoscaler").map((h) => h.metadata.labels?.["app.kubernetes.io/component"]).sort()).toEqual([...values.hpa].sort());
}

describe("helm chart charts/tracerelay", () => {
  it("passes helm lint (default values, and --strict with every option on)", (ctx) => {
    const t = needTools(ctx);
    const plain = exec(t.helm, ["lint", CHART]);
    expect(plain.status, plain.stdout + plain.stderr).toBe(0);
    const strict = exec(t.helm, ["lint", "--strict", CHART, ...valuesArgs([ALL_ON])]);
    expect(strict.status, strict.stdout + strict.stderr).toBe(0);
  });

  it("renders default values into valid Kubernetes manifests (kubeconform, every schema version)", async (ctx) => {
    const t = needTools(ctx);
    for (const k8s of SCHEMA_K8S_VERSIONS) {
      const { text, manifests } = helmTemplate(t, [], k8s);
      kubeconform(t, text, k8s);
      checkManifests(manifests, { roles: [...ROLE_NAMES], hpa: [] });
      expect(manifests.map((m) => m.kind).sort()).toEqual(["ConfigMap", "Deployment", "Deployment", "Deployment", "Deployment", "Service", "Service", "ServiceAccount"]);
      // the rendered configuration is one the project's own loader accepts, with each role's env
      const cm = manifests.find((m) => m.kind === "ConfigMap")!;
      await expectConfigLoads(cm.data!["tracerelay.yaml"], manifests);
    }
  });

  it("renders every role + HPA + ServiceMonitor into valid manifests", async (ctx) => {
    const t = needTools(ctx);
    for (const k8s of SCHEMA_K8S_VERSIONS) {
      const { text, manifests } = helmTemplate(t, [ALL_ON], k8s);
      // ServiceMonitor is a CRD (no schema in the Kubernetes set): checked by hand below
      kubeconform(t, text, k8s, ["ServiceMonitor"]);
      checkManifests(manifests, { roles: [...ROLE_NAMES], hpa: ["ingest", "route", "deliver"] });
      const services = manifests.filter((m) => m.kind === "Service");
      const sm = manifests.find((m) => m.kind === "ServiceMonitor")!;
      expect(sm.apiVersion).toBe("monitoring.coreos.com/v1");
      expect(sm.metadata.labels?.release).toBe("prometheus");
      const selected = services.filter((s) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
      expect(selected.map((s) => s.metadata.labels?.["app.kubernetes.io/component"]).sort()).toEqual(["deliver", "explorer", "ingest", "route"]);
      for (const s of selected) expect(s.spec.ports.map((p: { name: string }) => p.name)).toContain(sm.spec.endpoints[0].port);
      expect(sm.spec.endpoints[0].path).toBe("/metrics");
      const deliver = manifests.find((m) => m.kind === "Deployment" && m.metadata.name.endsWith("-deliver"))!;
      expect(deliver.spec.template.spec.containers[0].args).toEqual(["deliver", "--destination", "store", "--destination", "langfuse"]);
      const cm = manifests.find((m) => m.kind === "ConfigMap")!;
      expect(cm.data!["tracerelay.yaml"]).toContain("${LANGFUSE_SECRET_KEY}");
      await expectConfigLoads(cm.data!["tracerelay.yaml"], manifests);
      expect(parse(cm.data!["rules.yaml"])).toEqual(ALL_ON.rules);
    }
  });

  it("can disable each role", (ctx) => {
    const t = needTools(ctx);
    for (const off of ROLE_NAMES) {
      const { text, manifests } = helmTemplate(t, [{ roles: { [off]: { enabled: false, autoscaling: { enabled: true } } } }]);
      kubeconform(t, text, "1.37.0");
      expect(manifests.filter((m) => m.kind === "Deployment").map((d) => d.metadata.labels?.["app.kubernetes.io/component"])).not.toContain(off);
      expect(manifests.filter((m) => m.kind === "HorizontalPodAutoscaler")).toEqual([]);
    }
  });

  it("refuses a secret written inline in the values (it would land in the ConfigMap)", (ctx) => {
    const t = needTools(ctx);
    const bad = { config: { destinations: { langfuse: { type: "langfuse", secret_key: "sk-lf-inline" } } } };
    const r = exec(t.helm, ["template", "tr", CHART, ...valuesArgs([bad])]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/config\.destinations\.langfuse\.secret_key: looks like a secret/);
    const noKeys = exec(t.helm, ["template", "tr", CHART, ...valuesArgs([{ auth: { existingSecret: "" } }])]);
    expect(noKeys.status).not.toBe(0);
    expect(noKeys.stderr).toMatch(/auth\.existingSecret is required/);
  });
});

/** The ConfigMap's tracerelay.yaml loads with each Deployment's env (loadConfig: schema, rules, env). */
async function expectConfigLoads(text: string, manifests: Manifest[]): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "tracerelay-config-"));
  const file = path.join(dir, "tracerelay.yaml");
  writeFileSync(file, text);
  try {
    for (const d of manifests.filter((m) => m.kind === "Deployment")) {
      const env = containerEnv(d);
      const config = await loadConfig({ file, env: { ...env, TRACERELAY_CONFIG: file } });
      expect(config.bus.kind).toBe("kafka");
      expect(config.bus.brokers?.length).toBeGreaterThan(0);
      expect(config.server.port).toBe(Number(env.TRACERELAY_PORT));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// docker-compose.yml

type ComposeService = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  ports?: Array<string | { target: number; published?: number | string }>;
  environment?: Record<string, string | number | null> | string[];
  volumes?: Array<string | { type: string; source: string; target: string }>;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }> | string[];
};

const composeText = readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8");
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const services = Object.entries(compose.services);
const tracerelayServices = services.filter(([, s]) => s.build !== undefined || s.image?.startsWith("tracerelay:"));

/** Compose's interpolation with an empty shell environment: ${X:-default}, ${X-default}, ${X}, $$. */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (m, _name: string, def: string | undefined) => (m === "$$" ? "$" : (def ?? "")));
}

function serviceEnv(s: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(s.environment)) {
    for (const item of s.environment) {
      const i = item.indexOf("=");
      env[i < 0 ? item : item.slice(0, i)] = i < 0 ? "" : interpolate(item.slice(i + 1));
    }
  } else for (const [k, v] of Object.entries(s.environment ?? {})) env[k] = interpolate(String(v ?? ""));
  return env;
}

function argv(command: ComposeService["command"]): string[] {
  return Array.isArray(command) ? command.map(String) : (command ?? "").split(/\s+/).filter(Boolean);
}

/** The mounted config file of a tracerelay service: the host path of the volume at TRACERELAY_CONFIG. */
function mountedConfig(s: ComposeService): string {
  const target = serviceEnv(s).TRACERELAY_CONFIG;
  expect(target, "TRACERELAY_CONFIG must be set").toBeTruthy();
  for (const v of s.volumes ?? []) {
    const [source, dest] = typeof v === "string" ? v.split(":") : [v.source, v.target];
    if (dest === target) return path.resolve(ROOT, source);
  }
  throw new Error(`no volume mounts ${target}`);
}

describe("docker-compose.yml", () => {
  it("runs Kafka (KRaft), ClickHouse, MinIO and the four roles", () => {
    const images = services.map(([, s]) => s.image ?? "");
    expect(images.some((i) => i.startsWith("apache/kafka:"))).toBe(true);
    expect(images.some((i) => i.startsWith("clickhouse/clickhouse-server:"))).toBe(true);
    expect(images.some((i) => i.startsWith("minio/minio:"))).toBe(true);
    const kafka = services.find(([, s]) => s.image?.startsWith("apache/kafka:"))![1];
    expect(serviceEnv(kafka).KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect([...new Set(tracerelayServices.map(([, s]) => argv(s.command)[0]))].sort()).toEqual([...ROLE_NAMES].sort());
  });

  it("delivers every configured destination, to hosts that are services of this file", async () => {
    const delivered = new Set<string>();
    let config: Awaited<ReturnType<typeof loadConfig>> | undefined;
    for (const [, s] of tracerelayServices.filter(([, s]) => argv(s.command)[0] === "deliver")) {
      config = await loadConfig({ file: mountedConfig(s), env: serviceEnv(s) });
      const args = argv(s.command);
      const named = args.flatMap((a, i) => (a === "--destination" ? [args[i + 1]] : []));
      for (const d of named.length ? named : Object.keys(config.destinations)) delivered.add(d);
    }
    expect(config).toBeDefined();
    expect([...delivered].sort()).toEqual(Object.keys(config!.destinations).sort());
    for (const [name, d] of Object.entries(config!.destinations)) {
      for (const [key, value] of Object.entries(d)) {
        if (typeof value !== "string" || !/^https?:\/\//.test(value)) continue;
        expect(compose.services[new URL(value).hostname], `destinations.${name}.${key}: ${value} is not a compose service`).toBeDefined();
      }
    }
  });

  it("pins every image (a tag, never latest)", () => {
    for (const [name, s] of services) {
      expect(s.image, `${name} has no image`).toBeTruthy();
      const image = s.image!;
      const tag = image.includes("@sha256:") ? "digest" : (image.split("/").pop()!.split(":")[1] ?? "");
      expect(tag, `${name}: ${image} is not pinned`).not.toBe("");
      expect(tag, `${name}: ${image} uses latest`).not.toBe("latest");
    }
  });

  it("runs real roles with valid options", async () => {
    for (const [name, s] of tracerelayServices) {
      const args = argv(s.command);
      expect(ROLE_NAMES as readonly string[], `${name}: ${args[0]}`).toContain(args[0]);
      const config = await loadConfig({ file: mountedConfig(s), env: serviceEnv(s) });
      for (let i = 1; i < args.length; i++) {
        if (args[i] === "--destination") {
          expect(args[0], `${name}: --destination applies to deliver`).toBe("deliver");
          expect(Object.keys(config.destinations), `${name}: unknown destination`).toContain(args[++i]);
        } else if (args[i] === "--with") {
          for (const r of args[++i].split(",")) expect(ROLE_NAMES as readonly string[]).toContain(r);
        } else if (args[i] === "--port" || args[i] === "-p") i++;
        else throw new Error(`${name}: unexpected argument ${args[i]}`);
      }
    }
  });

  it("publishes and health-checks the port each tracerelay service listens on", async () => {
    for (const [name, s] of tracerelayServices) {
      const args = argv(s.command);
      const env = serviceEnv(s);
      const config = await loadConfig({ file: mountedConfig(s), env });
      const flag = args.findIndex((a) => a === "--port" || a === "-p");
      const port = flag >= 0 ? Number(args[flag + 1]) : config.server.port;
      expect(port, `${name}: not the default port`).toBe(DEFAULTS.server.port);
      for (const p of s.ports ?? []) {
        const target = typeof p === "string" ? Number(p.split(":").pop()!.split("/")[0]) : p.target;
        expect(target, `${name}: publishes ${JSON.stringify(p)} but listens on ${port}`).toBe(port);
      }
      const test = Array.isArray(s.healthcheck?.test) ? s.healthcheck.test.join(" ") : (s.healthcheck?.test ?? "");
      expect(test, `${name}: healthcheck`).toContain(`:${port}/health/ready`);
    }
    const ingest = tracerelayServices.find(([, s]) => argv(s.command)[0] === "ingest")![1];
    expect(ingest.ports?.map(String)).toContain(`${DEFAULTS.server.port}:${DEFAULTS.server.port}`);
  });

  it("sets only TRACERELAY_* variables the code reads (or the mounted config references)", () => {
    for (const [name, s] of tracerelayServices) {
      const referenced = new Set([...readFileSync(mountedConfig(s), "utf8").matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]));
      for (const key of Object.keys(serviceEnv(s)).filter((k) => k.startsWith("TRACERELAY_"))) {
        expect(KNOWN_ENV.has(key) || referenced.has(key), `${name}: ${key} is read by nothing`).toBe(true);
      }
    }
  });

  it("mounts a configuration the project's loader accepts (with each service's environment)", async () => {
    for (const [name, s] of tracerelayServices) {
      const env = serviceEnv(s);
      const config = await loadConfig({ file: mountedConfig(s), env });
      expect(config.bus.kind, name).toBe("kafka");
      const brokerHosts = (config.bus.brokers ?? []).map((b) => b.split(":")[0]);
      expect(brokerHosts.every((h) => compose.services[h]?.image?.startsWith("apache/kafka:")), `${name}: brokers ${brokerHosts}`).toBe(true);
      const store = config.store.url ? new URL(config.store.url) : undefined;
      expect(store && compose.services[store.hostname]?.image?.startsWith("clickhouse/"), `${name}: store.url`).toBe(true);
    }
  });

  it("orders start-up with depends_on conditions on services that exist", () => {
    for (const [name, s] of services) {
      if (!s.depends_on) continue;
      expect(Array.isArray(s.depends_on), `${name}: depends_on needs conditions`).toBe(false);
      for (const [dep, { condition }] of Object.entries(s.depends_on)) {
        expect(compose.services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        expect(["service_healthy", "service_completed_successfully"]).toContain(condition);
        if (condition === "service_healthy") expect(compose.services[dep].healthcheck, `${dep} has no healthcheck`).toBeDefined();
      }
    }
    for (const [name, s] of tracerelayServices) expect(s.depends_on, `${name}`).toBeDefined();
  });
});

describe("TRACERELAY_ENV_VARS (lib/config/load.ts)", () => {
  it("lists exactly the TRACERELAY_* variables the sources read", () => {
    const read = new Set<string>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) {
          if (name !== "node_modules" && name !== "testdata") walk(p);
        } else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) {
          // env.NAME, env["NAME"], or a quoted name handed to a reader (applyEnv's int("TRACERELAY_PORT", …));
          // the list itself does not count
          const text = readFileSync(p, "utf8").replace(/export const TRACERELAY_ENV_VARS = \[[^\]]*\]/, "");
          for (const m of text.matchAll(/\benv(?:\.|\[")(TRACERELAY_[A-Z0-9_]+)|"(TRACERELAY_[A-Z0-9_]+)"/g)) read.add(m[1] ?? m[2]);
        }
      }
    };
    for (const dir of ["bin", "lib", "services", "destinations", "rules"]) walk(path.join(ROOT, dir));
    expect([...read].sort()).toEqual([...TRACERELAY_ENV_VARS].sort());
  });
});

// ---------------------------------------------------------------------------------------------------
// Dockerfile (no Docker engine here: checked statically)

describe("Dockerfile", () => {
  const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const lines = dockerfile.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const runtime = stages.at(-1)!;
  const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("builds on a pinned Node 24 image in stages, installs production dependencies only, runs as non-root", () => {
    const nodeImage = /^ARG NODE_IMAGE=(\S+)/m.exec(dockerfile)?.[1] ?? "";
    expect(nodeImage).toMatch(/^node:24\.\d+\.\d+-/);
    for (const from of lines.filter((l) => /^FROM\s/i.test(l))) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}( AS \w+)?$/);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/node scripts\/ui\/build\.ts/);
    expect(runtime.some((l) => /^COPY --from=ui\b.*ui\/dist \.\/ui\/dist$/.test(l))).toBe(true);
    const user = runtime.filter((l) => /^USER\s/.test(l)).at(-1) ?? "";
    expect(user).toMatch(/^USER\s+\S+/);
    expect(user).not.toMatch(/^USER\s+(root|0)(:|$)/);
    expect(runtime.find((l) => l.startsWith("ENTRYPOINT"))).toBe('ENTRYPOINT ["node", "bin/tracerelay.ts"]');
  });

  it("copies everything bin/tracerelay.ts imports into the runtime image, none of it .dockerignored", () => {
    const copied = new Set(runtime.filter((l) => /^COPY\s(?!--from)/.test(l)).flatMap((l) => l.split(/\s+/).slice(1, -1).filter((a) => !a.startsWith("--"))));
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      if (!file.endsWith(".ts")) return;
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) visit(path.resolve(path.dirname(file), m[1]));
    };
    visit(path.join(ROOT, "bin", "tracerelay.ts"));
    const tops = new Set([...seen].map((f) => path.relative(ROOT, f).split(path.sep)[0]));
    for (const top of tops) {
      expect(copied, `${top} is imported at run time but not copied into the image`).toContain(top);
      expect(ignored, `${top} is .dockerignored`).not.toContain(top);
    }
    // the store's migrations are read from disk, next to the code
    expect(tops).toContain("lib");
  });
});
