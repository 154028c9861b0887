// Fetches a Java program's jars (and their runtime dependencies) from Maven Central with Maven, into a
// folder of the repo's .cache (Maven keeps its own cache in ~/.m2): how the tests get a real Kafka
// broker (scripts/kafka) and a real S3 server (scripts/s3) without Docker. Idempotent: when the
// install marker exists, it does nothing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface MavenJars {
  /** What the log lines call it, e.g. "kafka 4.3.1". */
  label: string;
  /** Folder for the pom and the marker; jars go to `<home>/libs`. */
  home: string;
  /** groupId, artifactId, version of each direct dependency. */
  dependencies: Array<[string, string, string]>;
  /** A jar that must be there afterwards (a prefix of its file name). */
  expectJar: string;
  log?: (line: string) => void;
}

export function installMavenJars(o: MavenJars): string {
  const log = o.log ?? console.log;
  const libs = path.join(o.home, "libs");
  const marker = path.join(o.home, "installed");
  if (existsSync(marker)) {
    log(`${o.label}: jars already in ${libs}`);
    return libs;
  }
  mkdirSync(o.home, { recursive: true });
  rmSync(libs, { recursive: true, force: true });
  const pomFile = path.join(o.home, "pom.xml");
  const deps = o.dependencies.map(([g, a, v]) => `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`);
  writeFileSync(
    pomFile,
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<project xmlns="http://maven.apache.org/POM/4.0.0">',
      "  <modelVersion>4.0.0</modelVersion>",
      "  <groupId>tracerelay.local</groupId><artifactId>jars</artifactId><version>1</version><packaging>pom</packaging>",
      "  <dependencies>",
      ...deps,
      "  </dependencies>",
      "</project>",
      "",
    ].join("\n"),
  );
  log(`${o.label}: fetching jars from Maven Central into ${libs} …`);
  const started = Date.now();
  const mvn = spawnSync("mvn", ["-q", "-B", "-f", pomFile, "dependency:copy-dependencies", "-DincludeScope=runtime", `-DoutputDirectory=${libs}`], { stdio: "inherit" });
  if (mvn.status !== 0) {
    throw new Error(`${o.label}: mvn dependency:copy-dependencies failed (exit ${mvn.status ?? mvn.signal ?? mvn.error?.message}); are Maven and Java 17+ installed and Maven Central reachable?`);
  }
  const jars = readdirSync(libs).filter((f) => f.endsWith(".jar"));
  if (!jars.some((j) => j.startsWith(o.expectJar))) throw new Error(`${o.label}: ${o.expectJar}*.jar missing from ${libs}`);
  writeFileSync(marker, `${new Date().toISOString()} ${jars.length} jars\n`);
  log(`${o.label}: ${jars.length} jars installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libs;
}
