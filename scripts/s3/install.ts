// Installs S3Proxy (a Java S3-compatible server, Maven Central org.gaul:s3proxy) and its dependencies
// into `.cache/s3/s3proxy-<version>/libs` with Maven, for the S3 destination's tests. Idempotent: when
// the install marker exists it does nothing. Run: `node scripts/s3/install.ts [--version X.Y.Z]`.
// Why S3Proxy and not moto/MinIO/versitygw: scripts/s3/README.md.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { installMavenJars } from "../maven-jars.ts";

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

/** Installs S3Proxy `version` unless already there; returns the libs directory (a Java classpath of jars). */
export function installS3Proxy(version = S3PROXY_VERSION, log: (line: string) => void = console.log): string {
  return installMavenJars({
    label: `s3proxy ${version}`,
    home: s3proxyHome(version),
    dependencies: [
      ["org.gaul", "s3proxy", version],
      ["com.fasterxml.jackson.core", "jackson-annotations", JACKSON_ANNOTATIONS],
    ],
    expectJar: `s3proxy-${version}`,
    log,
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--version");
  installS3Proxy(i > 0 ? process.argv[i + 1] : S3PROXY_VERSION);
}
