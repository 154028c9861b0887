// The UI's admin APIs on app.inject: users (admins only, CSRF, never the last admin, never a password),
// the sign-in rate limit, and the rules mounted for signed-in users (PUT for admins with CSRF).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoginLimiter } from "../../lib/auth/users.ts";
import { installErrorHandler } from "../../lib/http/error-handler.ts";
import type { SqlClient } from "../../lib/store/types.ts";
import { RulesHistory } from "../../rules/history.ts";
import { RulesHolder } from "../../rules/runtime.ts";
import { uiRoutes } from "./ui-routes.ts";

const ADMIN = { email: "admin@example.test", password: "admin-password-1" };
const CSRF = "csrf-token-for-the-tests-0123456789";
let dir: string;
let app: FastifyInstance;
let noRouter: FastifyInstance;
let holder: RulesHolder;
let now = 1_000_000;

async function signIn(a: FastifyInstance, email: string, password: string, ip = "10.0.0.1") {
  const res = await a.inject({ method: "POST", url: "/ui/api/login", remoteAddress: ip, headers: { cookie: `tr_csrf=${CSRF}`, "x-csrf-token": CSRF }, payload: { email, password } });
  const session = String(res.headers["set-cookie"] ?? "").match(/tr_session=([^;]+)/)?.[1];
  return { res, cookie: `tr_csrf=${CSRF}; tr_session=${session}` };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tr-ui-admin-"));
  process.env.TRACERELAY_INIT_ADMIN_EMAIL = ADMIN.email;
  process.env.TRACERELAY_INIT_ADMIN_PASSWORD = ADMIN.password;
  holder = new RulesHolder(["store", "langsmith"], null);
  holder.history = new RulesHistory(dir);
  app = Fastify();
  installErrorHandler(app);
  await app.register(uiRoutes, { sql: {} as SqlClient, dataDir: dir, rules: holder, loginLimiter: new LoginLimiter({ now: () => now }) });
  noRouter = Fastify();
  installErrorHandler(noRouter);
  await noRouter.register(uiRoutes, { sql: {} as SqlClient, dataDir: dir });
});
afterAll(async () => {
  delete process.env.TRACERELAY_INIT_ADMIN_EMAIL;
  delete process.env.TRACERELAY_INIT_ADMIN_PASSWORD;
  await app.close();
  await noRouter.close();
  await rm(dir, { recursive: true, force: true });
});

describe("users API", () => {
  it("admins list, create, change and delete users; never the last admin; passwords never returned", async () => {
    const { cookie } = await signIn(app, ADMIN.email, ADMIN.password);
    const h = { cookie, "x-csrf-token": CSRF };
    const list = await app.inject({ method: "GET", url: "/ui/api/v1/users", headers: { cookie } });
    expect(list.json().users).toEqual([{ id: expect.any(String), email: ADMIN.email, role: "admin" }]);
    const adminId = list.json().users[0].id;

    // CSRF is required for changes
    expect((await app.inject({ method: "POST", url: "/ui/api/v1/users", headers: { cookie }, payload: { email: "v@example.test", password: "viewer-pass-1", role: "viewer" } })).statusCode).toBe(403);
    // too short a password, unknown role
    expect((await app.inject({ method: "POST", url: "/ui/api/v1/users", headers: h, payload: { email: "v@example.test", password: "short", role: "viewer" } })).statusCode).toBe(400);
    expect((await app.inject({ method: "POST", url: "/ui/api/v1/users", headers: h, payload: { email: "v@example.test", password: "viewer-pass-1", role: "root" } })).statusCode).toBe(400);

    const created = await app.inject({ method: "POST", url: "/ui/api/v1/users", headers: h, payload: { email: "V@example.test", password: "viewer-pass-1", role: "viewer" } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ user: { id: expect.any(String), email: "v@example.test", role: "viewer" } });
    expect(created.body).not.toContain("viewer-pass-1");
    const viewerId = created.json().user.id;
    const dup = await app.inject({ method: "POST", url: "/ui/api/v1/users", headers: h, payload: { email: "v@example.test", password: "viewer-pass-1", role: "viewer" } });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error.details.reason).toBe("conflict");
    expect(await readFile(join(dir, "users.json"), "utf8")).not.toContain("viewer-pass-1");

    // a viewer may not manage users
    const viewer = await signIn(app, "v@example.test", "viewer-pass-1");
    expect((await app.inject({ method: "GET", url: "/ui/api/v1/users", headers: { cookie: viewer.cookie } })).statusCode).toBe(403);
    expect((await app.inject({ method: "DELETE", url: `/ui/api/v1/users/${adminId}`, headers: { cookie: viewer.cookie, "x-csrf-token": CSRF } })).statusCode).toBe(403);

    // the last admin can be neither demoted nor deleted
    const demote = await app.inject({ method: "PATCH", url: `/ui/api/v1/users/${adminId}`, headers: h, payload: { role: "viewer" } });
    expect(demote.statusCode).toBe(400);
    expect(demote.json().error.details.reason).toBe("last_admin");
    expect((await app.inject({ method: "DELETE", url: `/ui/api/v1/users/${adminId}`, headers: h })).json().error.details.reason).toBe("last_admin");

    // promote the viewer: its open session is an admin's at once; a new password signs it out
    const promoted = await app.inject({ method: "PATCH", url: `/ui/api/v1/users/${viewerId}`, headers: h, payload: { role: "admin" } });
    expect(promoted.json().user.role).toBe("admin");
    expect((await app.inject({ method: "GET", url: "/ui/api/v1/users", headers: { cookie: viewer.cookie } })).statusCode).toBe(200);
    await app.inject({ method: "PATCH", url: `/ui/api/v1/users/${viewerId}`, headers: h, payload: { password: "new-password-22" } });
    expect((await app.inject({ method: "GET", url: "/ui/api/me", headers: { cookie: viewer.cookie } })).statusCode).toBe(401);
    expect((await signIn(app, "v@example.test", "new-password-22")).res.statusCode).toBe(200);
    expect((await app.inject({ method: "PATCH", url: `/ui/api/v1/users/${viewerId}`, headers: h, payload: {} })).statusCode).toBe(400);

    // now there are two admins: one may go
    expect((await app.inject({ method: "DELETE", url: `/ui/api/v1/users/${viewerId}`, headers: h })).statusCode).toBe(200);
    expect((await app.inject({ method: "DELETE", url: `/ui/api/v1/users/${viewerId}`, headers: h })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/ui/api/v1/users", headers: { cookie } })).json().users).toHaveLength(1);
  });
});

describe("sign-in rate limit", () => {
  it("after 5 failures for one email: 429 with Retry-After, even with the right password, until the window passes", async () => {
    for (let i = 0; i < 5; i++) expect((await signIn(app, ADMIN.email, "wrong-password", `10.1.0.${i}`)).res.statusCode).toBe(401);
    const blocked = (await signIn(app, ADMIN.email, ADMIN.password, "10.1.1.1")).res;
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe("TR_RATE_LIMITED");
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(500);
    expect(Number(blocked.headers["retry-after"])).toBeLessThanOrEqual(600);
    now += 10 * 60 * 1000 + 1;
    expect((await signIn(app, ADMIN.email, ADMIN.password, "10.1.1.1")).res.statusCode).toBe(200);
  });

  it("after 5 failures from one IP (any emails): that IP is refused, others are not", async () => {
    for (let i = 0; i < 5; i++) await signIn(app, `nobody${i}@example.test`, "wrong-password", "10.2.0.1");
    expect((await signIn(app, ADMIN.email, ADMIN.password, "10.2.0.1")).res.statusCode).toBe(429);
    expect((await signIn(app, ADMIN.email, ADMIN.password, "10.2.0.2")).res.statusCode).toBe(200);
    now += 10 * 60 * 1000 + 1;
  });

  it("LoginLimiter: the wait ends when the oldest of the last 5 failures leaves the window; success clears the email", () => {
    let t = 0;
    const l = new LoginLimiter({ now: () => t });
    for (let i = 0; i < 5; i++) {
      expect(l.retryAfterSec("a@x", "ip")).toBe(0);
      l.fail("a@x", "ip");
      t += 60_000;
    }
    expect(l.retryAfterSec("A@X", "other")).toBe(300);
    l.succeed("a@x");
    expect(l.retryAfterSec("a@x", "other")).toBe(0);
    expect(l.retryAfterSec("b@x", "ip")).toBe(300);
    t += 300_000;
    expect(l.retryAfterSec("b@x", "ip")).toBe(0);
  });
});

describe("rules for signed-in users", () => {
  it("GET for everyone (viewers read-only, with the reason); PUT for admins with CSRF, recorded with the user's email", async () => {
    const admin = await signIn(app, ADMIN.email, ADMIN.password);
    const h = { cookie: admin.cookie, "x-csrf-token": CSRF };
    await app.inject({ method: "POST", url: "/ui/api/v1/users", headers: h, payload: { email: "ro@example.test", password: "viewer-pass-1", role: "viewer" } });
    const viewer = await signIn(app, "ro@example.test", "viewer-pass-1");

    expect((await app.inject({ method: "GET", url: "/ui/api/v1/rules" })).statusCode).toBe(401);
    const v = (await app.inject({ method: "GET", url: "/ui/api/v1/rules", headers: { cookie: viewer.cookie } })).json();
    expect(v).toMatchObject({ available: true, can_edit: false, read_only_reason: expect.stringContaining("viewer") });
    const yaml = "routes:\n  - name: all\n    to: [store]\n";
    const put = (cookie: string, csrf?: string) =>
      app.inject({ method: "PUT", url: "/ui/api/v1/rules", headers: { cookie, "content-type": "application/yaml", ...(csrf ? { "x-csrf-token": csrf } : {}) }, payload: yaml });
    expect((await put(viewer.cookie, CSRF)).statusCode).toBe(403);
    expect((await put(admin.cookie)).statusCode).toBe(403);
    expect(holder.revision).toBe(0);
    const ok = await put(admin.cookie, CSRF);
    expect(ok.statusCode).toBe(200);
    expect(holder.get()?.doc).toEqual({ routes: [{ name: "all", to: ["store"] }] });
    const hist = (await app.inject({ method: "GET", url: "/ui/api/v1/rules/history", headers: { cookie: viewer.cookie } })).json();
    expect(hist.items[0]).toMatchObject({ revision: 1, who: `user:${ADMIN.email}`, yaml });
    // a viewer may dry-run (with CSRF)
    const test = await app.inject({ method: "POST", url: "/ui/api/v1/rules/test", headers: { cookie: viewer.cookie, "x-csrf-token": CSRF }, payload: { rules: "routes: 1\n" } });
    expect(test.statusCode).toBe(400);
    expect(test.json().error.details.problems[0]).toMatch(/^request:1: /);
  });

  it("without a router in this process: GET explains where the rules are edited", async () => {
    const admin = await signIn(noRouter, ADMIN.email, ADMIN.password);
    const res = (await noRouter.inject({ method: "GET", url: "/ui/api/v1/rules", headers: { cookie: admin.cookie } })).json();
    expect(res).toMatchObject({ available: false, reason: expect.stringContaining("configuration file") });
  });
});
