import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SessionStore, UserStore } from "./users.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tr-users-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("UserStore", () => {
  it("creates the initial admin from the environment, hashed with scrypt, once", async () => {
    const env = { TRACERELAY_INIT_ADMIN_EMAIL: "Admin@Example.test", TRACERELAY_INIT_ADMIN_PASSWORD: "s3cret-password" };
    const users = new UserStore(dir);
    await users.load(env);
    expect(users.list()).toEqual([{ id: expect.any(String), email: "admin@example.test", role: "admin" }]);
    const file = await readFile(join(dir, "users.json"), "utf8");
    expect(file).not.toContain("s3cret-password");
    expect(JSON.parse(file).users[0].password).toMatchObject({ algo: "scrypt", salt: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((await stat(join(dir, "users.json"))).mode & 0o777).toBe(0o600);
    // a restart with the same env does not duplicate or reset the admin
    const again = new UserStore(dir);
    await again.load({ ...env, TRACERELAY_INIT_ADMIN_PASSWORD: "another-password" });
    expect(again.list()).toHaveLength(1);
    expect(await again.check("admin@example.test", "s3cret-password")).toMatchObject({ role: "admin" });
    expect(await again.check("admin@example.test", "another-password")).toBeNull();
  });

  it("checks passwords; unknown emails and wrong passwords are both null", async () => {
    const users = new UserStore(dir);
    await users.load({});
    await users.create("viewer@example.test", "viewer-password", "viewer");
    expect(await users.check("VIEWER@example.test", "viewer-password")).toMatchObject({ email: "viewer@example.test", role: "viewer" });
    expect(await users.check("viewer@example.test", "wrong-password")).toBeNull();
    expect(await users.check("nobody@example.test", "viewer-password")).toBeNull();
    await expect(users.create("viewer@example.test", "viewer-password", "admin")).rejects.toThrow(/already exists/);
    await expect(users.create("x@example.test", "short", "admin")).rejects.toThrow(/at least 8/);
  });
});

describe("SessionStore", () => {
  it("issues random tokens that expire", () => {
    let now = 1_000;
    const s = new SessionStore(60_000, () => now);
    const user = { id: "u1", email: "a@b.c", role: "viewer" as const };
    const a = s.create(user);
    const b = s.create(user);
    expect(a.token).not.toBe(b.token);
    expect(a.token.length).toBeGreaterThanOrEqual(43);
    expect(s.get(a.token)?.user).toEqual(user);
    expect(s.get("nope")).toBeNull();
    expect(s.get(undefined)).toBeNull();
    s.delete(b.token);
    expect(s.get(b.token)).toBeNull();
    now += 60_000;
    expect(s.get(a.token)).toBeNull();
    expect(s.size).toBe(0);
  });
});
