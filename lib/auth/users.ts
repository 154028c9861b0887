// Web UI users and sessions. Users (role admin or viewer) live in `<data_dir>/users.json`, passwords
// hashed with scrypt and a per-user random salt (never stored in clear). The first admin comes from
// TRACERELAY_INIT_ADMIN_EMAIL / TRACERELAY_INIT_ADMIN_PASSWORD when no user with that email exists.
// Sessions are in memory (a restart signs everybody out) with an absolute expiry.
//
// Admins manage users through the UI's users API (services/explorer/ui-routes.ts): create, change
// role or password, delete — never leaving no admin. Sign-ins are rate limited per email and per IP
// (LoginLimiter, in memory: a restart forgets the counts; with several explorer processes each counts
// on its own).
//
// Invariants: users.json is written atomically (temp file + rename, mode 0600); password checks take
// the same time whether or not the email exists (a dummy hash is verified for unknown emails).
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export type UserRole = "admin" | "viewer";

export interface StoredUser {
  id: string;
  email: string;
  role: UserRole;
  /** scrypt parameters and output, hex. */
  password: { algo: "scrypt"; n: number; r: number; p: number; salt: string; hash: string };
  created_at: string;
}

export interface PublicUser {
  id: string;
  email: string;
  role: UserRole;
}

const SCRYPT = { n: 16384, r: 8, p: 1, keylen: 64 };

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<StoredUser["password"]> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keylen, { N: SCRYPT.n, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return { algo: "scrypt", n: SCRYPT.n, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString("hex"), hash: hash.toString("hex") };
}

export async function verifyPassword(password: string, stored: StoredUser["password"]): Promise<boolean> {
  const expected = Buffer.from(stored.hash, "hex");
  const actual = await scryptAsync(password, Buffer.from(stored.salt, "hex"), expected.length, {
    N: stored.n,
    r: stored.r,
    p: stored.p,
    maxmem: 64 * 1024 * 1024,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

export class UserStore {
  private users: StoredUser[] = [];
  private dummy: StoredUser["password"] | undefined;
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, "users.json");
  }

  /**
   * Loads users.json (absent: no users) and creates the initial admin from the environment. With no
   * user at all and no TRACERELAY_INIT_ADMIN_* variables, an admin `admin@localhost` with a random
   * password is created and returned once, so a first start is never locked out (the caller prints it;
   * it is never logged).
   */
  async load(env: NodeJS.ProcessEnv = process.env): Promise<{ generated?: { email: string; password: string } }> {
    if (existsSync(this.file)) {
      const parsed = JSON.parse(await readFile(this.file, "utf8")) as { users?: StoredUser[] };
      this.users = Array.isArray(parsed.users) ? parsed.users : [];
    }
    const email = env.TRACERELAY_INIT_ADMIN_EMAIL;
    const password = env.TRACERELAY_INIT_ADMIN_PASSWORD;
    let generated: { email: string; password: string } | undefined;
    if (email && password) {
      if (!this.find(email)) await this.create(email, password, "admin");
    } else if (this.users.length === 0) {
      generated = { email: "admin@localhost", password: randomBytes(18).toString("base64url") };
      await this.create(generated.email, generated.password, "admin");
    }
    this.dummy = await hashPassword(randomBytes(12).toString("hex"));
    return { generated };
  }

  find(email: string): StoredUser | undefined {
    const e = normalizeEmail(email);
    return this.users.find((u) => u.email === e);
  }

  list(): PublicUser[] {
    return this.users.map(toPublic);
  }

  get(id: string): PublicUser | undefined {
    const u = this.users.find((x) => x.id === id);
    return u && toPublic(u);
  }

  async create(email: string, password: string, role: UserRole): Promise<PublicUser> {
    const e = normalizeEmail(email);
    if (!/^[^\s@]+@[^\s@]+$/.test(e)) throw new UserError("invalid", `not an email address: ${email}`);
    checkPassword(password);
    if (role !== "admin" && role !== "viewer") throw new UserError("invalid", `role must be admin or viewer, not ${String(role)}`);
    if (this.find(e)) throw new UserError("conflict", `user ${e} already exists`);
    const user: StoredUser = { id: randomBytes(8).toString("hex"), email: e, role, password: await hashPassword(password), created_at: new Date().toISOString() };
    this.users.push(user);
    await this.save();
    return toPublic(user);
  }

  /** The user when email and password match, else null (constant work for unknown emails). */
  async check(email: string, password: string): Promise<PublicUser | null> {
    const user = this.find(email);
    if (!user) {
      if (this.dummy) await verifyPassword(password, this.dummy);
      return null;
    }
    return (await verifyPassword(password, user.password)) ? toPublic(user) : null;
  }

  /** Changes a user's role and/or password. Refuses to demote the last admin. */
  async update(id: string, change: { role?: UserRole; password?: string }): Promise<PublicUser> {
    const user = this.users.find((u) => u.id === id);
    if (!user) throw new UserError("not_found", `no user ${id}`);
    if (change.role !== undefined && change.role !== "admin" && change.role !== "viewer") throw new UserError("invalid", "role must be admin or viewer");
    if (change.password !== undefined) checkPassword(change.password);
    if (change.role === "viewer" && user.role === "admin" && this.admins() === 1) throw new UserError("last_admin", "cannot make the last admin a viewer: promote another user first");
    const password = change.password !== undefined ? await hashPassword(change.password) : undefined;
    const next: StoredUser = { ...user, ...(change.role ? { role: change.role } : {}), ...(password ? { password } : {}) };
    this.users = this.users.map((u) => (u.id === id ? next : u));
    await this.save();
    return toPublic(next);
  }

  /** Deletes a user. Refuses to delete the last admin. */
  async remove(id: string): Promise<PublicUser> {
    const user = this.users.find((u) => u.id === id);
    if (!user) throw new UserError("not_found", `no user ${id}`);
    if (user.role === "admin" && this.admins() === 1) throw new UserError("last_admin", "cannot delete the last admin");
    this.users = this.users.filter((u) => u.id !== id);
    await this.save();
    return toPublic(user);
  }

  private admins(): number {
    return this.users.filter((u) => u.role === "admin").length;
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ users: this.users }, null, 2), { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

export const MIN_PASSWORD_LENGTH = 8;

/** A refused user change; `kind` maps to the HTTP status (invalid 400, conflict 409, not_found 404, last_admin 409). */
export class UserError extends Error {
  readonly kind: "invalid" | "conflict" | "not_found" | "last_admin";
  constructor(kind: UserError["kind"], message: string) {
    super(message);
    this.kind = kind;
  }
}

function checkPassword(password: string): void {
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH) throw new UserError("invalid", `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1000) throw new UserError("invalid", "password must be at most 1000 characters");
}

function toPublic(u: StoredUser): PublicUser {
  return { id: u.id, email: u.email, role: u.role };
}

export interface UiSession {
  user: PublicUser;
  expiresAt: number;
}

/** In-memory sessions keyed by a random 256-bit token. */
export class SessionStore {
  private sessions = new Map<string, UiSession>();
  readonly ttlMs: number;
  private readonly now: () => number;

  constructor(ttlMs = 12 * 60 * 60 * 1000, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.now = now;
  }

  create(user: PublicUser): { token: string; session: UiSession } {
    this.sweep();
    const token = randomBytes(32).toString("base64url");
    const session = { user, expiresAt: this.now() + this.ttlMs };
    this.sessions.set(token, session);
    return { token, session };
  }

  get(token: string | undefined): UiSession | null {
    if (!token) return null;
    const s = this.sessions.get(token);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(token);
      return null;
    }
    return s;
  }

  delete(token: string | undefined): void {
    if (token) this.sessions.delete(token);
  }

  /** Ends a user's sessions (deleted user, changed password), except `keep` (the caller's own). */
  dropUser(userId: string, keep?: string): void {
    for (const [k, s] of this.sessions) if (s.user.id === userId && k !== keep) this.sessions.delete(k);
  }

  /** A changed role takes effect in the user's open sessions at once. */
  updateUser(user: PublicUser): void {
    for (const s of this.sessions.values()) if (s.user.id === user.id) s.user = user;
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
  }
}

/**
 * Sign-in rate limit: after `max` failed sign-ins for one email OR from one IP within `windowMs`, further
 * attempts are refused (429 with Retry-After) until the oldest failure leaves the window. In memory.
 * A successful sign-in clears its email's failures (not the IP's).
 */
export class LoginLimiter {
  private failures = new Map<string, number[]>();
  readonly max: number;
  readonly windowMs: number;
  private readonly now: () => number;

  constructor(opts: { max?: number; windowMs?: number; now?: () => number } = {}) {
    this.max = opts.max ?? 5;
    this.windowMs = opts.windowMs ?? 10 * 60 * 1000;
    this.now = opts.now ?? Date.now;
  }

  private keys(email: string, ip: string): string[] {
    return [`email:${normalizeEmail(email)}`, `ip:${ip}`];
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds to wait when blocked, else 0. */
  retryAfterSec(email: string, ip: string): number {
    let wait = 0;
    for (const key of this.keys(email, ip)) {
      const list = this.recent(key);
      if (list.length >= this.max) wait = Math.max(wait, Math.ceil((list[list.length - this.max] + this.windowMs - this.now()) / 1000));
    }
    return Math.max(wait, 0);
  }

  fail(email: string, ip: string): void {
    if (this.failures.size > 100_000) this.sweep();
    for (const key of this.keys(email, ip)) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeed(email: string): void {
    this.failures.delete(`email:${normalizeEmail(email)}`);
  }

  private sweep(): void {
    for (const key of [...this.failures.keys()]) this.recent(key);
  }
}
