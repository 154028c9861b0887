// Installs the Apache Kafka broker jars (and their dependencies) from Maven Central with Maven, into
// `.cache/kafka/<version>/libs` in the repo (Maven keeps its own cache in ~/.m2). Idempotent: when the
// install marker exists, it does nothing. Run: `node scripts/kafka/install.ts [--version X.Y.Z]`.
// Used by `npm test` (step "kafka broker jars installed") and by scripts/kafka/broker.ts.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The broker version the tests run against (KAFKA_VERSION overrides it); see scripts/kafka/README.md for why. */
export const DEFAULT_KAFKA_VERSION = "4.3.1";
export const KAFKA_VERSION = process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function kafkaHome(version = KAFKA_VERSION): string {
  return path.join(repoRoot, ".cache", "kafka", version);
}

export function kafkaLibs(version = KAFKA_VERSION): string {
  return path.join(kafkaHome(version), "libs");
}

function pom(version: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tracerelay.local</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>
    ${version.startsWith("3.") ? '<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>' : '<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>'}
  </dependencies>
</project>
`;
}

/** Installs the jars of `version` unless already there; returns the libs directory. */
export function installKafka(version = KAFKA_VERSION, log: (line: string) => void = console.log): string {
  const home = kafkaHome(version);
  const libs = kafkaLibs(version);
  const marker = path.join(home, "installed");
  if (existsSync(marker)) {
    log(`kafka ${version}: jars already in ${libs}`);
    return libs;
  }
  mkdirSync(home, { recursive: true });
  rmSync(libs, { recursive: true, force: true });
  writeFileSync(path.join(home, "pom.xml"), pom(version));
  log(`kafka ${version}: fetching broker jars from Maven Central into ${libs} …`);
  const started = Date.now();
  const r = spawnSync(
    "mvn",
    ["-q", "-B", "-f", path.join(home, "pom.xml"), "dependency:copy-dependencies", "-DincludeScope=runtime", `-DoutputDirectory=${libs}`],
    { stdio: "inherit" },
  );
  if (r.status !== 0) throw new Error(`mvn dependency:copy-dependencies for kafka ${version} failed (exit ${r.status ?? r.signal}); is Maven installed and Maven Central reachable?`);
  const jars = readdirSync(libs).filter((f) => f.endsWith(".jar"));
  if (!jars.some((j) => j.startsWith("kafka_2.13-"))) throw new Error(`kafka ${version}: kafka_2.13 jar missing from ${libs}`);
  writeFileSync(marker, `${new Date().toISOString()} ${jars.length} jars\n`);
  log(`kafka ${version}: ${jars.length} jars installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libs;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--version");
  installKafka(i > 0 ? process.argv[i + 1] : KAFKA_VERSION);
}
