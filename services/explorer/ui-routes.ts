// The web UI: serves the static build (`ui/dist`) at `/` with an SPA fallback to index.html, the
// sign-in API (`/ui/api/login|logout|me`) and the UI's read API (`GET /ui/api/v1/*`), which checks
// the session cookie and calls the same query functions as the key-authenticated `/api/v1/*`.
//
// The UI shows project `default` until projects are user-selectable.
//
// Rules: GET/PUT {/ui/api/v1}/rules, POST rules/test, GET rules/history — the same handlers as
// /api/v1 (rules-routes.ts); PUT for admins with the CSRF token. Users (admins only, CSRF on changes):
// GET/POST /ui/api/v1/users, PATCH/DELETE /ui/api/v1/users/:id — never the last admin, never a password
// in an answer. Sign-in is rate limited (LoginLimiter: 5 failures per email or per IP in 10 min → 429
// with Retry-After; in memory).
//
// Security: session cookie `tr_session` (HttpOnly, SameSite=Strict, Path=/, Secure over https);
// CSRF by double submit: a non-HttpOnly `tr_csrf` cookie that every state-changing request must echo
// in `x-csrf-token`. Hashed assets are cached for a year (immutable); index.html is `no-cache`.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { LoginLimiter, MIN_PASSWORD_LENGTH, type PublicUser, SessionStore, UserError, type UserRole, UserStore } from "../../lib/auth/users.ts";
import { TracerelayError } from "../../lib/errors.ts";
import type { SqlClient } from "../../lib/store/types.ts";
import type { RulesHolder } from "../../rules/runtime.ts";
import { type DeliveriesDeps, deliveriesRoutes } from "./deliveries-routes.ts";
import { rulesRoutes } from "./rules-routes.ts";
import { explorerRoutes } from "./routes.ts";

export interface UiRoutesOptions {
  sql: SqlClient;
  dataDir: string;
  /** The built UI; default `<repo>/ui/dist`. */
  uiDist?: string;
  /** Session lifetime; default 12 h. */
  sessionTtlMs?: number;
  /** Receives the admin generated on the very first start (no users, no TRACERELAY_INIT_ADMIN_*). */
  onGeneratedAdmin?: (admin: { email: string; password: string }) => void;
  /** Destinations and dead letters (GET destinations, failed deliveries; replay for admins). */
  deliveries?: Pick<DeliveriesDeps, "bus" | "destinations" | "rules">;
  /** The router's live rules when this process runs the route role (else the rules page explains where to edit them). */
  rules?: RulesHolder;
  /** Sign-in rate limit; default 5 failures per email or IP per 10 minutes. */
  loginLimiter?: LoginLimiter;
}

/** The project the UI reads until projects are user-selectable. */
export const UI_PROJECT = "default";
export const DEFAULT_UI_DIST = resolve(dirname(fileURLToPath(import.meta.url)), "../../ui/dist");
const SESSION_COOKIE = "tr_session";
const CSRF_COOKIE = "tr_csrf";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  // chat messages may reference images by URL; they are the only off-origin loads.
  "img-src 'self' data: https: http:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (!k || k in out) continue;
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

function isHttps(request: FastifyRequest): boolean {
  return request.protocol === "https";
}

function cookie(name: string, value: string, o: { httpOnly: boolean; secure: boolean; maxAgeSec?: number }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, "Path=/", "SameSite=Strict"];
  if (o.httpOnly) parts.push("HttpOnly");
  if (o.secure) parts.push("Secure");
  if (o.maxAgeSec !== undefined) parts.push(`Max-Age=${o.maxAgeSec}`);
  return parts.join("; ");
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function uiRoutes(app: FastifyInstance, opts: UiRoutesOptions): Promise<void> {
  const users = new UserStore(opts.dataDir);
  const { generated } = await users.load();
  if (generated) opts.onGeneratedAdmin?.(generated);
  const sessions = new SessionStore(opts.sessionTtlMs);
  const limiter = opts.loginLimiter ?? new LoginLimiter();
  const dist = resolve(opts.uiDist ?? DEFAULT_UI_DIST);

  /** Ensures the CSRF cookie exists; returns its value. */
  const ensureCsrf = (request: FastifyRequest, reply: FastifyReply): string => {
    const existing = parseCookies(request.headers.cookie)[CSRF_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{20,}$/.test(existing)) return existing;
    const token = randomBytes(24).toString("base64url");
    appendCookie(reply, cookie(CSRF_COOKIE, token, { httpOnly: false, secure: isHttps(request) }));
    return token;
  };

  const checkCsrf = (request: FastifyRequest): void => {
    const fromCookie = parseCookies(request.headers.cookie)[CSRF_COOKIE];
    const header = request.headers["x-csrf-token"];
    if (!fromCookie || typeof header !== "string" || !safeEqual(fromCookie, header)) {
      throw new TracerelayError("TR_FORBIDDEN", "missing or wrong CSRF token (send the tr_csrf cookie's value in x-csrf-token)");
    }
  };

  const currentUser = (request: FastifyRequest): PublicUser => {
    const s = sessions.get(parseCookies(request.headers.cookie)[SESSION_COOKIE]);
    if (!s) throw new TracerelayError("TR_AUTH_MISSING", "sign in first");
    return s.user;
  };

  app.addHook("onSend", async (request, reply, payload) => {
    if (request.url.startsWith("/ui/api/")) reply.header("cache-control", "no-store");
    return payload;
  });

  // ---- sign-in API
  app.get("/ui/api/me", async (request, reply) => {
    const csrf = ensureCsrf(request, reply);
    const s = sessions.get(parseCookies(request.headers.cookie)[SESSION_COOKIE]);
    if (!s) return reply.status(401).send({ error: { code: "TR_AUTH_MISSING", message: "sign in first" }, csrf_token: csrf });
    return { user: s.user, expires_at: new Date(s.expiresAt).toISOString(), project: UI_PROJECT, csrf_token: csrf };
  });

  app.post(
    "/ui/api/login",
    {
      schema: {
        body: {
          type: "object",
          additionalProperties: false,
          required: ["email", "password"],
          properties: { email: { type: "string", minLength: 1, maxLength: 320 }, password: { type: "string", minLength: 1, maxLength: 1000 } },
        },
      },
    },
    async (request, reply) => {
      checkCsrf(request);
      const { email, password } = request.body as { email: string; password: string };
      const wait = limiter.retryAfterSec(email, request.ip);
      if (wait > 0) throw new TracerelayError("TR_RATE_LIMITED", `too many failed sign-ins; try again in ${wait} s`, { retryAfterSec: wait });
      const user = await users.check(email, password);
      if (!user) {
        limiter.fail(email, request.ip);
        throw new TracerelayError("TR_AUTH_INVALID", "wrong email or password");
      }
      limiter.succeed(email);
      // A new session token on every sign-in (no fixation); the old one, if any, is dropped.
      sessions.delete(parseCookies(request.headers.cookie)[SESSION_COOKIE]);
      const { token, session } = sessions.create(user);
      appendCookie(reply, cookie(SESSION_COOKIE, token, { httpOnly: true, secure: isHttps(request), maxAgeSec: Math.floor(sessions.ttlMs / 1000) }));
      return { user, expires_at: new Date(session.expiresAt).toISOString(), project: UI_PROJECT };
    },
  );

  app.post("/ui/api/logout", async (request, reply) => {
    checkCsrf(request);
    sessions.delete(parseCookies(request.headers.cookie)[SESSION_COOKIE]);
    appendCookie(reply, cookie(SESSION_COOKIE, "", { httpOnly: true, secure: isHttps(request), maxAgeSec: 0 }));
    return { ok: true };
  });

  // ---- the UI's read API: the same routes and queries as /api/v1, for the signed-in user's project
  await explorerRoutes(app, {
    sql: opts.sql,
    prefix: "/ui/api/v1",
    projectOf: (request) => {
      currentUser(request);
      return UI_PROJECT;
    },
  });

  if (opts.deliveries) {
    await deliveriesRoutes(app, {
      ...opts.deliveries,
      sql: opts.sql,
      prefix: "/ui/api/v1",
      projectOf: (request) => {
        currentUser(request);
        return UI_PROJECT;
      },
      assertCanReplay: (request) => {
        checkCsrf(request);
        if (currentUser(request).role !== "admin") throw new TracerelayError("TR_FORBIDDEN", "only admins may replay deliveries; you are signed in as a viewer");
      },
    });
  }

  // ---- rules: the same handlers as /api/v1/rules; changing them needs the admin role and the CSRF token
  await rulesRoutes(app, {
    prefix: "/ui/api/v1",
    rules: opts.rules,
    authorize: (request, action) => {
      const user = currentUser(request);
      if (action !== "read") checkCsrf(request);
      const who = `user:${user.email}`;
      return user.role === "admin" ? { who, mayWrite: true } : { who, mayWrite: false, reason: "you are signed in as a viewer: only admins may change the rules" };
    },
  });

  // ---- users (admins only)
  const requireAdmin = (request: FastifyRequest, change: boolean): PublicUser => {
    const user = currentUser(request);
    if (change) checkCsrf(request);
    if (user.role !== "admin") throw new TracerelayError("TR_FORBIDDEN", "only admins may manage users; you are signed in as a viewer");
    return user;
  };
  const userFailure = (err: unknown): never => {
    if (!(err instanceof UserError)) throw err;
    if (err.kind === "not_found") throw new TracerelayError("TR_NOT_FOUND", err.message);
    // conflicts (existing email, last admin) are refused as bad requests with a stable reason
    throw new TracerelayError("TR_BAD_QUERY", err.message, { details: { reason: err.kind } });
  };
  const role = { enum: ["admin", "viewer"] } as const;
  const password = { type: "string", minLength: MIN_PASSWORD_LENGTH, maxLength: 1000 } as const;

  app.get("/ui/api/v1/users", async (request) => {
    requireAdmin(request, false);
    return { users: users.list(), min_password_length: MIN_PASSWORD_LENGTH };
  });

  app.post(
    "/ui/api/v1/users",
    { schema: { body: { type: "object", additionalProperties: false, required: ["email", "password", "role"], properties: { email: { type: "string", minLength: 3, maxLength: 320 }, password, role } } } },
    async (request, reply) => {
      requireAdmin(request, true);
      const body = request.body as { email: string; password: string; role: UserRole };
      const created = await users.create(body.email, body.password, body.role).catch(userFailure);
      return reply.status(201).send({ user: created });
    },
  );

  app.patch<{ Params: { id: string } }>(
    "/ui/api/v1/users/:id",
    { schema: { body: { type: "object", additionalProperties: false, minProperties: 1, properties: { password, role } } } },
    async (request) => {
      requireAdmin(request, true);
      const change = request.body as { role?: UserRole; password?: string };
      const updated = await users.update(request.params.id, change).catch(userFailure);
      sessions.updateUser(updated);
      // a new password signs the user out everywhere else
      if (change.password !== undefined) sessions.dropUser(updated.id, parseCookies(request.headers.cookie)[SESSION_COOKIE]);
      return { user: updated };
    },
  );

  app.delete<{ Params: { id: string } }>("/ui/api/v1/users/:id", async (request) => {
    requireAdmin(request, true);
    const removed = await users.remove(request.params.id).catch(userFailure);
    sessions.dropUser(removed.id);
    return { user: removed };
  });

  // ---- static files + SPA fallback (GET only; API-looking paths keep their JSON 404)
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    const index = join(dist, "index.html");
    if (!existsSync(index)) {
      return reply.status(503).type("text/plain; charset=utf-8").send("The web UI is not built: run `node scripts/ui/build.ts`.\n");
    }
    ensureCsrf(request, reply);
    return reply
      .header("cache-control", "no-cache")
      .header("content-security-policy", CSP)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("x-frame-options", "DENY")
      .type(MIME[".html"])
      .send(await readFile(index));
  };

  app.get("/", sendIndex);
  app.get("/*", async (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split("?")[0]);
    } catch {
      throw new TracerelayError("TR_NOT_FOUND", "malformed path");
    }
    if (/^\/(api|ui\/api|v1|health|metrics|langfuse)(\/|$)/.test(path)) {
      throw new TracerelayError("TR_NOT_FOUND", `no route GET ${path}`);
    }
    const file = normalize(join(dist, path));
    if (file.startsWith(dist + sep) && extname(file)) {
      const st = await stat(file).catch(() => null);
      if (st?.isFile()) {
        const immutable = path.startsWith("/assets/");
        return reply
          .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
          .header("x-content-type-options", "nosniff")
          .type(MIME[extname(file)] ?? "application/octet-stream")
          .send(await readFile(file));
      }
    }
    // a missing asset, or a path that escapes ui/dist, is a 404 (never index.html, never outside dist)
    if (path.startsWith("/assets/") || !(file === dist || file.startsWith(dist + sep))) throw new TracerelayError("TR_NOT_FOUND", `no asset ${path}`);
    return sendIndex(request, reply);
  });
}

/** Fastify appends repeated set-cookie headers instead of replacing them. */
function appendCookie(reply: FastifyReply, value: string): void {
  reply.header("set-cookie", value);
}
