// Installs S3Proxy (a Java S3-compatible server, Maven Central org.gaul:s3proxy) and its dependencies
// into `.cache/s3/s3proxy-<version>/libs` with Maven, for the S3 destination's tests. Idempotent: when
// the install marker exists it does nothing. Run: `node scripts/s3/install.ts [--version X.Y.Z]`.
// Why S3Proxy and not moto/MinIO/versitygw: scripts/s3/README.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const DEFAULT_S3PROXY_VERSION = "4.1.0";
export const S3PROXY_VERSION = process.env.S3PROXY_VERSION || DEFAULT_S3PROXY_VERSION;

/**
 * Jackson 3 (used by S3Proxy 4.x) needs jackson-annotations 2.20+, but Maven's nearest-wins picks the
 * 2.18 that the cloud SDKs bring along, and the server dies with NoClassDefFoundError. A direct
 * dependency wins, so we pin the version jackson-databind 3.2 asks for.
 */
const JACKSON_ANNOTATIONS = "2.22";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function s3proxyHome(version = S3PROXY_VERSION): string {
  return path.join(repoRoot, ".cache", "s3", `s3proxy-${version}`);
}

export function s3proxyLibs(version = S3PROXY_VERSION): string {
  return path.join(s3proxyHome(version), "libs");
}

function pom(version: string): string {
  const dep = (g: string, a: string, v: string) => `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    "  <modelVersion>4.0.0</modelVersion>",
    "  <groupId>tracerelay.local</groupId><artifactId>s3proxy-jars</artifactId><version>1</version><packaging>pom</packaging>",
    "  <dependencies>",
    dep("org.gaul", "s3proxy", version),
    dep("com.fasterxml.jackson.core", "jackson-annotations", JACKSON_ANNOTATIONS),
    "  </dependencies>",
    "</project>",
    "",
  ].join("\n");
}

/** Installs S3Proxy `version` unless already there; returns the libs directory (a Java classpath of jars). */
export function installS3Proxy(version = S3PROXY_VERSION, log: (line: string) => void = console.log): string {
  const home = s3proxyHome(version);
  const libs = s3proxyLibs(version);
  const marker = path.join(home, "installed");
  if (existsSync(marker)) {
    log(`s3proxy ${version}: already installed in ${libs}`);
    return libs;
  }
  mkdirSync(home, { recursive: true });
  rmSync(libs, { recursive: true, force: true });
  const pomFile = path.join(home, "pom.xml");
  writeFileSync(pomFile, pom(version));
  log(`s3proxy ${version}: fetching jars from Maven Central into ${libs} …`);
  const started = Date.now();
  const mvn = spawnSync("mvn", ["-q", "-B", "-f", pomFile, "dependency:copy-dependencies", "-DincludeScope=runtime", `-DoutputDirectory=${libs}`], {
    stdio: "inherit",
  });
  if (mvn.status !== 0) {
    throw new Error(`s3proxy ${version}: mvn dependency:copy-dependencies failed (exit ${mvn.status ?? mvn.signal ?? mvn.error?.message}); are Maven and Java 17+ installed and Maven Central reachable?`);
  }
  const jars = readdirSync(libs).filter((f) => f.endsWith(".jar"));
  if (!jars.includes(`s3proxy-${version}.jar`)) throw new Error(`s3proxy ${version}: s3proxy-${version}.jar missing from ${libs}`);
  writeFileSync(marker, `${new Date().toISOString()} ${jars.length} jars\n`);
  log(`s3proxy ${version}: ${jars.length} jars installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libs;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--version");
  installS3Proxy(i > 0 ? process.argv[i + 1] : S3PROXY_VERSION);
}
