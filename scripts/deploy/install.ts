// Installs what the deployment checks (scripts/deploy/deploy.test.ts) need, from package registries
// only, into the repo's .cache (idempotent: a marker per tool/version, nothing is redone):
//   - helm and kubeconform, built with `go install` from the Go module proxy into .cache/go-bin;
//   - the Kubernetes JSON schemas kubeconform validates against. kubeconform downloads them from
//     GitHub by default, which is not reachable here; the PyPI package `kubernetes-validate` ships them
//     (per Kubernetes minor, "local-strict" flavour, one file per kind plus a shared _definitions.json),
//     fetched with `pip download` and unpacked into .cache/k8s-schemas/. Their `$id`s point at
//     https://kubernetes.io/… and their `$ref`s at "/api/_definitions.json"; both are rewritten so
//     kubeconform resolves every reference to the local _definitions.json next to the kind's file.
// Run: `node scripts/deploy/install.ts` (prints what it did and how long it took).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HELM_VERSION = "v3.22.0";
/** Kubernetes minor of helm's client-go (v0.37): helm's default `--kube-version` and lint target. */
export const HELM_K8S_MINOR = "37";
export const KUBECONFORM_VERSION = "v0.8.0";
/** PyPI kubernetes-validate; its version follows the newest Kubernetes it carries schemas for. */
export const KUBERNETES_VALIDATE_VERSION = "1.37.0";
/** Kubernetes versions the chart is validated against: its kubeVersion floor and the newest. */
export const SCHEMA_K8S_VERSIONS = ["1.25.0", "1.37.0"] as const;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const GO_BIN = path.join(repoRoot, ".cache", "go-bin");
export const SCHEMAS_ROOT = path.join(repoRoot, ".cache", "k8s-schemas", `kubernetes-validate-${KUBERNETES_VALIDATE_VERSION}`);

export interface DeployTools {
  helm: string;
  kubeconform: string;
  /** Per Kubernetes version ("1.37.0"), the directory holding `<kind>-<group>-<version>.json`. */
  schemaDirs: Record<string, string>;
  /** Seconds each step took (0 when it was already installed). */
  timings: Record<string, number>;
}

/** The kubeconform -schema-location template for one Kubernetes version. */
export function schemaLocation(tools: DeployTools, k8sVersion: string): string {
  return path.join(tools.schemaDirs[k8sVersion], "{{.ResourceKind}}{{.KindSuffix}}.json");
}

/** Runs a command asynchronously (a test worker's event loop keeps running during a long build). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env });
    child.on("error", (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(" ")} failed (exit ${code ?? signal})`));
    });
  });
}

async function goInstall(name: string, pkg: string, version: string, ldflags: string[], log: (line: string) => void): Promise<number> {
  const bin = path.join(GO_BIN, name);
  const marker = path.join(GO_BIN, `.${name}-${version}`);
  if (existsSync(marker) && existsSync(bin)) {
    log(`${name} ${version}: already in ${bin}`);
    return 0;
  }
  mkdirSync(GO_BIN, { recursive: true });
  log(`${name} ${version}: go install ${pkg}@${version} …`);
  const started = Date.now();
  const args = ["install", "-trimpath"];
  if (ldflags.length) args.push(`-ldflags=${ldflags.join(" ")}`);
  args.push(`${pkg}@${version}`);
  // Built into a staging GOBIN and renamed into place, so a concurrent run never executes a half-copied
  // binary. GOTOOLCHAIN=local: never download a Go toolchain (only the module proxy is reachable).
  const staging = mkdtempSync(path.join(GO_BIN, `.${name}-`));
  try {
    await run("go", args, { ...process.env, GOBIN: staging, GOTOOLCHAIN: "local", CGO_ENABLED: "0" });
    if (!existsSync(path.join(staging, name))) throw new Error(`go install ${pkg}@${version} did not produce ${name}`);
    renameSync(path.join(staging, name), bin);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  const seconds = (Date.now() - started) / 1000;
  log(`${name} ${version}: installed in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** Python that unpacks the chosen schema folders of the wheel, made resolvable offline (see top). */
const UNPACK_PY = `
import json, os, sys, zipfile
wheel, dest, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
z = zipfile.ZipFile(wheel)
for v in versions:
    prefix = "kubernetes_validate/kubernetes-json-schema/v%s-local-strict/" % v
    out = os.path.join(dest, "v%s-local-strict" % v)
    os.makedirs(out, exist_ok=True)
    n = 0
    for name in z.namelist():
        if not (name.startswith(prefix) and name.endswith(".json")) or "/" in name[len(prefix):]:
            continue
        text = z.read(name).decode("utf-8").replace('"/api/_definitions.json#', '"_definitions.json#')
        doc = json.loads(text)
        if isinstance(doc, dict):
            doc.pop("$id", None)
        with open(os.path.join(out, name[len(prefix):]), "w") as f:
            json.dump(doc, f)
        n += 1
    if n == 0 or not os.path.exists(os.path.join(out, "_definitions.json")):
        sys.exit("no local-strict schemas for Kubernetes %s in %s" % (v, wheel))
    print("  v%s: %d schema files" % (v, n))
`;

async function installSchemas(log: (line: string) => void): Promise<{ dirs: Record<string, string>; seconds: number }> {
  const dirs: Record<string, string> = {};
  for (const v of SCHEMA_K8S_VERSIONS) dirs[v] = path.join(SCHEMAS_ROOT, `v${v}-local-strict`);
  const markerName = `installed-${SCHEMA_K8S_VERSIONS.join("_")}`;
  if (existsSync(path.join(SCHEMAS_ROOT, markerName))) {
    log(`kubernetes schemas (kubernetes-validate ${KUBERNETES_VALIDATE_VERSION}): already in ${SCHEMAS_ROOT}`);
    return { dirs, seconds: 0 };
  }
  const started = Date.now();
  log(`kubernetes schemas: pip download kubernetes-validate==${KUBERNETES_VALIDATE_VERSION} (PyPI) …`);
  // Unpacked next to the final place and renamed into it, so a concurrent run (another test worker)
  // never sees a half-written folder; the first rename wins, the other copy is dropped.
  mkdirSync(path.dirname(SCHEMAS_ROOT), { recursive: true });
  const staging = mkdtempSync(`${SCHEMAS_ROOT}.tmp-`);
  const download = mkdtempSync(path.join(tmpdir(), "tracerelay-k8s-schemas-"));
  try {
    await run("python3", ["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "--dest", download, `kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}`]);
    const wheel = readdirSync(download).find((f) => f.endsWith(".whl"));
    if (!wheel) throw new Error(`pip download kubernetes-validate==${KUBERNETES_VALIDATE_VERSION} produced no wheel`);
    await run("python3", ["-c", UNPACK_PY, path.join(download, wheel), staging, ...SCHEMA_K8S_VERSIONS]);
    writeFileSync(path.join(staging, markerName), `${new Date().toISOString()}\n`);
    if (!existsSync(path.join(SCHEMAS_ROOT, markerName))) {
      rmSync(SCHEMAS_ROOT, { recursive: true, force: true }); // a partial folder from an interrupted older run
      try {
        renameSync(staging, SCHEMAS_ROOT);
      } catch (err) {
        if (!existsSync(path.join(SCHEMAS_ROOT, markerName))) throw err;
      }
    }
  } finally {
    rmSync(download, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
  const seconds = (Date.now() - started) / 1000;
  log(`kubernetes schemas: unpacked in ${seconds.toFixed(1)} s`);
  return { dirs, seconds };
}

/** Installs helm, kubeconform and the schemas unless already there. Throws when one cannot be had. */
export async function ensureDeployTools(log: (line: string) => void = console.log): Promise<DeployTools> {
  const timings: Record<string, number> = {};
  // Versions and the default Kubernetes version as helm's own Makefile sets them.
  const helmLdflags = [
    "-s",
    "-w",
    `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${HELM_K8S_MINOR}`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${HELM_K8S_MINOR}`,
  ];
  timings.helm = await goInstall("helm", "helm.sh/helm/v3/cmd/helm", HELM_VERSION, helmLdflags, log);
  timings.kubeconform = await goInstall("kubeconform", "github.com/yannh/kubeconform/cmd/kubeconform", KUBECONFORM_VERSION, ["-s", "-w"], log);
  const schemas = await installSchemas(log);
  timings.schemas = schemas.seconds;
  return { helm: path.join(GO_BIN, "helm"), kubeconform: path.join(GO_BIN, "kubeconform"), schemaDirs: schemas.dirs, timings };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const tools = await ensureDeployTools();
    console.log(`deploy tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(tools.timings)}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
