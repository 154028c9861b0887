// Projects and their API key pairs (`pk-tr-…` public, `sk-tr-…` secret). Secrets are stored only as
// SHA-256 hashes: they are 192-bit random strings, so a fast hash is enough (no password stretching
// needed) and lookups stay O(1) on the ingest hot path. Persisted as JSON under the data dir.
//
// First start: TRACERELAY_INIT_PUBLIC_KEY / TRACERELAY_INIT_SECRET_KEY create the first project's pair;
// without them a pair is generated and returned once so the caller can print it.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export interface ProjectKey {
  public_key: string;
  secret_hash: string;
  created_at: string;
}
export interface Project {
  id: string;
  name: string;
  keys: ProjectKey[];
}
interface KeyFile {
  version: 1;
  projects: Project[];
}

export interface Principal {
  projectId: string;
  publicKey: string;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export function generateKeyPair(): { publicKey: string; secretKey: string } {
  return { publicKey: `pk-tr-${randomBytes(12).toString("hex")}`, secretKey: `sk-tr-${randomBytes(24).toString("hex")}` };
}

export class KeyStore {
  private readonly file: string;
  private data: KeyFile = { version: 1, projects: [] };
  private byPublic = new Map<string, { project: Project; key: ProjectKey }>();
  private bySecretHash = new Map<string, { project: Project; key: ProjectKey }>();

  constructor(file: string) {
    this.file = file;
  }

  /** Loads the key file and makes sure a first project exists. Returns a generated pair to print, if any. */
  async open(env: NodeJS.ProcessEnv = process.env): Promise<{ generated?: { publicKey: string; secretKey: string } }> {
    try {
      this.data = JSON.parse(await readFile(this.file, "utf8")) as KeyFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    let generated: { publicKey: string; secretKey: string } | undefined;
    const initPk = env.TRACERELAY_INIT_PUBLIC_KEY;
    const initSk = env.TRACERELAY_INIT_SECRET_KEY;
    if (initPk && initSk) {
      this.addKey("default", initPk, initSk);
    } else if (this.data.projects.length === 0) {
      generated = generateKeyPair();
      this.addKey("default", generated.publicKey, generated.secretKey);
    }
    this.index();
    await this.save();
    return { generated };
  }

  /** Adds a key pair to a project (created if new). Idempotent for an existing identical pair. */
  addKey(projectId: string, publicKey: string, secretKey: string): void {
    let project = this.data.projects.find((p) => p.id === projectId);
    if (!project) {
      project = { id: projectId, name: projectId, keys: [] };
      this.data.projects.push(project);
    }
    const hash = sha256(secretKey);
    const existing = project.keys.find((k) => k.public_key === publicKey);
    if (existing) existing.secret_hash = hash;
    else project.keys.push({ public_key: publicKey, secret_hash: hash, created_at: new Date().toISOString() });
    this.index();
  }

  /** Basic auth (Langfuse-compatible): public key names the pair, the secret must match it. */
  verifyPair(publicKey: string, secretKey: string): Principal | null {
    const hit = this.byPublic.get(publicKey);
    if (!hit) return null;
    const a = Buffer.from(hit.key.secret_hash, "hex");
    const b = Buffer.from(sha256(secretKey), "hex");
    return timingSafeEqual(a, b) ? { projectId: hit.project.id, publicKey } : null;
  }

  /** Bearer / x-api-key: the secret alone identifies the pair. */
  verifySecret(secretKey: string): Principal | null {
    const hit = this.bySecretHash.get(sha256(secretKey));
    return hit ? { projectId: hit.project.id, publicKey: hit.key.public_key } : null;
  }

  private index(): void {
    this.byPublic.clear();
    this.bySecretHash.clear();
    for (const project of this.data.projects) {
      for (const key of project.keys) {
        this.byPublic.set(key.public_key, { project, key });
        this.bySecretHash.set(key.secret_hash, { project, key });
      }
    }
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
