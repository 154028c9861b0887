// Installs the Apache Kafka broker jars (and their dependencies) from Maven Central with Maven, into
// `.cache/kafka/<version>/libs` in the repo (Maven keeps its own cache in ~/.m2). Idempotent: when the
// install marker exists, it does nothing. Run: `node scripts/kafka/install.ts [--version X.Y.Z]`.
// Used by `npm test` (step "kafka broker jars installed") and by scripts/kafka/broker.ts.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { installMavenJars } from "../maven-jars.ts";

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

/** Installs the jars of `version` unless already there; returns the libs directory. */
export function installKafka(version = KAFKA_VERSION, log: (line: string) => void = console.log): string {
  const logging = version.startsWith("3.") ? ["org.slf4j", "slf4j-reload4j", "1.7.36"] : ["org.apache.logging.log4j", "log4j-slf4j-impl", "2.24.3"];
  return installMavenJars({
    label: `kafka ${version}`,
    home: kafkaHome(version),
    dependencies: [["org.apache.kafka", "kafka_2.13", version], logging as [string, string, string]],
    expectJar: "kafka_2.13-",
    log,
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--version");
  installKafka(i > 0 ? process.argv[i + 1] : KAFKA_VERSION);
}
