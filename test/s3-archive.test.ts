// A real tracerelay archiving to a REAL S3-compatible server (S3Proxy, SigV4 checked): the s3
// destination configured in YAML with credentials from environment references, OTLP traffic in, gzip
// JSON Lines objects out under the project/date/hour keys, each span there once — the destination
// wiring end to end (config → deliver role → shared helper → S3), not just the adapter.
import { gunzipSync } from "node:zlib";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Server, s3ForTests } from "../scripts/s3/server.ts";
import { poll } from "./harness/dead-letters.ts";
import { otlpRequest, otlpSpan } from "./harness/otlp.ts";
import { newSpanId, newTraceId, startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

const { server, unavailable } = await s3ForTests("s3-archive.test");
const BUCKET = "trace-archive-e2e";

describe.skipIf(unavailable !== undefined)("tracerelay → s3 destination → S3 server", () => {
  const s3 = server as S3Server;
  let tr: Tracerelay;
  let admin: S3Client;

  beforeAll(async () => {
    admin = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
    tr = await startTracerelay({
      config: `
destinations:
  store: { type: store }
  archive:
    type: s3
    bucket: ${BUCKET}
    prefix: traces/
    endpoint: ${s3.endpoint}
    region: ${s3.region}
    force_path_style: true
    access_key_id: \${ARCHIVE_KEY_ID}
    secret_access_key: \${ARCHIVE_SECRET}
    delivery:
      batch: { max_wait_ms: 200 }
`,
      env: { ARCHIVE_KEY_ID: s3.accessKeyId, ARCHIVE_SECRET: s3.secretAccessKey },
    });
  }, 90_000);

  afterAll(async () => {
    await tr?.close();
    admin?.destroy();
    await s3?.stop();
  });

  it("archives every span once as gzip JSON Lines under project/date/hour keys", async () => {
    const traceId = newTraceId();
    const start = Date.parse("2026-11-22T10:15:00Z");
    const ids = Array.from({ length: 12 }, () => newSpanId());
    const spans = ids.map((spanId, i) => otlpSpan({ traceId, spanId, name: `step-${i}`, startMs: start + i * 1000, attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini" } }));
    const res = await tr.api("/v1/traces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(otlpRequest(spans)) });
    expect(res.status).toBe(200);

    const listed = await poll(
      "the archive objects",
      async () => (await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "traces/" }))).Contents ?? [],
      (objects) => objects.length > 0,
    );
    // all spans start in one hour: one partition
    for (const o of listed) expect(o.Key).toMatch(/^traces\/project=default\/date=2026-11-22\/hour=10\/[0-9a-f]+\.jsonl\.gz$/);
    const archived: Array<{ trace_id: string; span_id: string; model: string }> = [];
    const end = Date.now() + 20_000;
    while (archived.length < ids.length && Date.now() < end) {
      archived.length = 0;
      for (const o of (await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "traces/" }))).Contents ?? []) {
        const body = await (await admin.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }))).Body!.transformToByteArray();
        for (const line of gunzipSync(body).toString("utf8").trim().split("\n")) archived.push(JSON.parse(line));
      }
      if (archived.length < ids.length) await new Promise((r) => setTimeout(r, 250));
    }
    expect(archived.map((s) => s.span_id).sort()).toEqual([...ids].sort());
    expect(archived.every((s) => s.trace_id === traceId && s.model === "gpt-4o-mini")).toBe(true);
    const status = await tr.api<{ destinations: Array<{ name: string; type: string }> }>("/api/v1/destinations");
    expect(JSON.stringify(status.json)).not.toContain(s3.secretAccessKey);
  });
});
