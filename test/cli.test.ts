// The `tracerelay` command as a user meets it: help, refusing bad flags and bad configuration with
// the file, line and setting, a first start without keys printing a generated pair once, and a
// graceful stop (SIGTERM) that drains, exits 0 and leaves every acknowledged span to be stored.
import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { otlpRequest, otlpSpan } from "./harness/otlp.ts";
import { NODE_BIN, newSpanId, newTraceId, REPO_ROOT, startTracerelay } from "./harness/tracerelay.ts";

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(NODE_BIN, ["bin/tracerelay.ts", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, TRACERELAY_CONFIG: "", TRACERELAY_PORT: "", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("tracerelay CLI", () => {
  it("--help lists the command, the flags and their environment variables", () => {
    const r = cli(["--help"]);
    expect(r.status).toBe(0);
    for (const text of ["start", "--config", "--port", "--data-dir", "TRACERELAY_PORT", "TRACERELAY_DATA_DIR", "TRACERELAY_INIT_PUBLIC_KEY"]) expect(r.stdout).toContain(text);
  });

  it("refuses a bad port and an unknown command with exit 2 and the reason", () => {
    expect(cli(["start", "--port", "http"])).toMatchObject({ status: 2, stderr: expect.stringContaining('--port must be an integer from 0 to 65535, got "http"') });
    expect(cli(["launch"])).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown command "launch"') });
  });

  it("refuses invalid configuration with every problem as file:line: setting: reason, before opening anything", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cli-"));
    const file = join(dir, "tracerelay.yaml");
    await writeFile(file, ["server:", "  port: 4318", "  max_json_dept: 10", "bus:", "  kind: rabbitmq", "webhooks:", "  ci:", "    secret: short"].join("\n"));
    const r = cli(["start", "--config", file, "--data-dir", join(dir, "data")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:3: server.max_json_dept: unknown setting`);
    expect(r.stderr).toContain(`${file}:5: bus.kind: must be equal to one of the allowed values: embedded, kafka`);
    expect(r.stderr).toContain(`${file}:8: webhooks.ci.secret: must NOT have fewer than 16 characters`);
  });

  it("first start without keys prints a generated key pair once; it authenticates; SIGTERM drains and exits 0 with spans kept", async () => {
    const tr = await startTracerelay({ env: { TRACERELAY_INIT_PUBLIC_KEY: "", TRACERELAY_INIT_SECRET_KEY: "", TRACERELAY_INIT_ADMIN_EMAIL: "", TRACERELAY_INIT_ADMIN_PASSWORD: "" } });
    try {
      const printed = tr.logs.join("\n");
      const secret = /secret key: (sk-tr-[0-9a-f]+)/.exec(printed)?.[1];
      expect(secret, printed.slice(-2000)).toMatch(/^sk-tr-[0-9a-f]{48}$/);
      // ...and a web UI admin, so a first start is never locked out of the UI; the password works.
      const password = /as admin@localhost with password (\S+)/.exec(printed)?.[1];
      expect(password, printed.slice(-2000)).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const page = await fetch(`${tr.url}/`);
      const csrf = /tr_csrf=([^;]+)/.exec(page.headers.get("set-cookie") ?? "")?.[1] ?? "";
      const login = await fetch(`${tr.url}/ui/api/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf, cookie: `tr_csrf=${csrf}` },
        body: JSON.stringify({ email: "admin@localhost", password }),
      });
      expect(login.status, await login.clone().text()).toBe(200);
      const traceId = newTraceId();
      const spans = Array.from({ length: 20 }, (_, i) => otlpSpan({ traceId, spanId: newSpanId(), name: `step-${i}` }));
      const res = await fetch(`${tr.url}/v1/traces`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: JSON.stringify(otlpRequest(spans)),
      });
      expect(res.status).toBe(200);
      expect(await tr.stop()).toBe(0);
      expect(tr.logRecords().some((r) => r.msg === "tracerelay stopped")).toBe(true);
      await tr.restart();
      expect(tr.logs.join("\n").match(/secret key: sk-tr-/g)?.length).toBe(1); // printed on the first start only
      expect(tr.logs.join("\n").match(/with password /g)?.length).toBe(1);
      // The harness's own keys were not registered here: read with the generated pair.
      const deadline = Date.now() + 20_000;
      let names: string[] = [];
      while (Date.now() < deadline && names.length < 20) {
        const r = await fetch(`${tr.url}/api/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${secret}` } });
        if (r.status === 200) names = ((await r.json()) as { spans: Array<{ name: string }> }).spans.map((s) => s.name);
        else await new Promise((ok) => setTimeout(ok, 150));
      }
      expect(names.sort()).toEqual(spans.map((s) => s.name as string).sort());
    } finally {
      await tr.close();
    }
  });
});
