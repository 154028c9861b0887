import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { makeSpan } from "../../lib/store/testing.ts";
import { DeliveryConfigError, MappingError, PermanentError, RetryableError } from "../_delivery/index.ts";
import { destinationComplianceSuite } from "../_testkit/compliance.ts";
import { type ReceivedRequest, startContractServer } from "../_testkit/contract-server.ts";
import { classify } from "./client.ts";
import { batchId, DEFAULT_KEY_TEMPLATE, mapS3, parseS3Config, s3Adapter } from "./index.ts";

const BUCKET = "trace-lake";

/** The contract server plays S3: a path-style, SigV4-signed PUT of a gzip JSON Lines object. */
function decodeS3Put(req: ReceivedRequest) {
  expect(req.method).toBe("PUT");
  expect(String(req.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCONTRACT\/\d{8}\/us-east-1\/s3\/aws4_request/);
  expect(req.headers["content-type"]).toBe("application/gzip");
  const key = decodeURIComponent(req.path.split("?")[0]).replace(`/${BUCKET}/`, "");
  const m = /^lake\/project=compliance\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/([0-9a-f]{32})\.jsonl\.gz$/.exec(key);
  expect(m, key).not.toBeNull();
  const lines = gunzipSync(req.body).toString("utf8").trimEnd().split("\n");
  const spans = lines.map((l) => JSON.parse(l) as CanonicalSpan);
  expect(req.headers["x-amz-meta-span-count"]).toBe(String(spans.length));
  return { spanIds: spans.map((s) => s.span_id), idempotencyKey: m?.[1] };
}

destinationComplianceSuite("s3", (server) => {
  const config = parseS3Config({
    bucket: BUCKET,
    prefix: "lake/",
    endpoint: server.url,
    force_path_style: true,
    access_key_id: "AKIDCONTRACT",
    secret_access_key: "contract-secret",
  });
  const adapter = s3Adapter("s3", config);
  return { adapter, decode: decodeS3Put, close: () => adapter.client.close?.() ?? Promise.resolve() };
});

const span = (n: number, project: string, startMs: number, extra: Partial<CanonicalSpan> = {}) =>
  makeSpan({ trace_id: "a".repeat(31) + (n % 10), span_id: n.toString(16).padStart(16, "0"), project_id: project, startMs, ...extra });
const parts = { prefix: "p/", keyTemplate: DEFAULT_KEY_TEMPLATE };
const HOUR = 3_600_000;
const unzip = (body: Uint8Array) => gunzipSync(body).toString("utf8");

describe("s3 mapper", () => {
  it("groups a batch by (project, UTC hour of start_time) into gzip JSON Lines objects", () => {
    const batch = [span(1, "alpha", 0), span(2, "beta", 0), span(3, "alpha", HOUR + 5), span(4, "alpha", 10)];
    const { objects } = mapS3(batch, parts);
    const byKey = Object.fromEntries(objects.map((o) => [o.key.replace(/[0-9a-f]{32}/, "ID"), unzip(o.body)]));
    // makeSpan's BASE_MS is 2026-03-01T10:00:00Z
    expect(Object.keys(byKey).sort()).toEqual([
      "p/project=alpha/date=2026-03-01/hour=10/ID.jsonl.gz",
      "p/project=alpha/date=2026-03-01/hour=11/ID.jsonl.gz",
      "p/project=beta/date=2026-03-01/hour=10/ID.jsonl.gz",
    ]);
    const alpha10 = byKey["p/project=alpha/date=2026-03-01/hour=10/ID.jsonl.gz"].trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(alpha10).toEqual([batch[0], batch[3]]); // ordered by start_time, canonical spans unchanged
    expect(objects.map((o) => o.spanCount).sort()).toEqual([1, 1, 2]);
  });

  it("gives the same spans the same key and bytes in any order; other spans another key", () => {
    const a = [span(1, "alpha", 0), span(2, "alpha", 1), span(3, "alpha", 2)];
    const first = mapS3(a, parts).objects[0];
    const again = mapS3([...a].reverse(), parts).objects[0];
    expect(again.key).toBe(first.key);
    expect(Buffer.from(again.body).equals(Buffer.from(first.body))).toBe(true);
    expect(mapS3(a.slice(0, 2), parts).objects[0].key).not.toBe(first.key);
    expect(batchId(a)).toBe(batchId([{ ...a[0], name: "renamed" }, a[1], a[2]]));
  });

  it("URI-encodes project ids so they cannot add folders, and honours a custom template", () => {
    const { objects } = mapS3([span(1, "team/a b", 0)], { prefix: "", keyTemplate: "{yyyy}/{mm}/{dd}/{hh}/{project}-{batch_id}.gz" });
    expect(objects[0].key).toMatch(/^2026\/03\/01\/10\/team%2Fa%20b-[0-9a-f]{32}\.gz$/);
  });

  it("throws a MappingError for a span that is not JSON or has a non-canonical start_time", () => {
    const bad = { ...span(1, "alpha", 0), attributes: { n: 1n } } as unknown as CanonicalSpan;
    expect(() => mapS3([bad], parts)).toThrow(MappingError);
    expect(() => mapS3([{ ...span(2, "alpha", 0), start_time: "yesterday" }], parts)).toThrow(MappingError);
  });
});

describe("s3 config", () => {
  it("applies the vendor defaults: ~8 MB / 60 s objects, us-east-1, default key template, default credential chain", () => {
    const c = parseS3Config({ bucket: "lake" });
    expect(c.delivery.batch).toMatchObject({ max_bytes: 8_000_000, max_wait_ms: 60_000 });
    expect(c).toMatchObject({ region: "us-east-1", prefix: "", keyTemplate: DEFAULT_KEY_TEMPLATE, forcePathStyle: false });
    expect(c.credentials).toBeUndefined();
    const kms = parseS3Config({ bucket: "lake", server_side_encryption: { algorithm: "aws:kms", kms_key_id: "alias/traces" }, delivery: { batch: { max_wait_ms: 5000 } } });
    expect(kms.sse).toEqual({ algorithm: "aws:kms", kmsKeyId: "alias/traces" });
    expect(kms.delivery.batch.max_wait_ms).toBe(5000);
  });

  it("reports every problem at once, and never echoes the secret", () => {
    let err: unknown;
    try {
      parseS3Config({
        bucket: "x",
        endpoint: "ftp://nope",
        secret_access_key: "super-secret-value",
        key_template: "{project}/{minute}.gz",
        server_side_encryption: { algorithm: "AES256", kms_key_id: "k" },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeliveryConfigError);
    const text = (err as DeliveryConfigError).problems.join("\n");
    expect((err as DeliveryConfigError).problems.length).toBeGreaterThanOrEqual(5);
    expect(text).toContain("access_key_id");
    expect(text).not.toContain("super-secret-value");
  });

  it("rejects unknown placeholders in an otherwise valid template", () => {
    expect(() => parseS3Config({ bucket: "lake", key_template: "{minute}/{batch_id}" })).toThrow(/unknown placeholder \{minute\}/);
  });
});

describe("s3 error classification", () => {
  const s3Error = (name: string, status: number, message: string) => Object.assign(new Error(message), { name, Code: name, $metadata: { httpStatusCode: status } });
  const xml = (code: string) => ({ status: 403, text: `<Error><Code>${code}</Code></Error>` });

  it("permanent: AccessDenied, NoSuchBucket, InvalidAccessKeyId, with S3's code and message", () => {
    for (const [code, status] of [["AccessDenied", 403], ["NoSuchBucket", 404], ["InvalidAccessKeyId", 403]] as const) {
      const e = classify(s3Error(code, status, "S3 says no"), xml(code), 0);
      expect(e).toBeInstanceOf(PermanentError);
      expect(e.message).toBe(`HTTP ${status}: ${code}: S3 says no`);
    }
  });

  it("retryable: SlowDown, 5xx, RequestTimeTooSkewed (400/403), network errors", () => {
    expect(classify(s3Error("SlowDown", 503, "Please reduce your request rate."), xml("SlowDown"), 0)).toBeInstanceOf(RetryableError);
    expect(classify(s3Error("InternalError", 500, "We encountered an internal error."), xml("InternalError"), 0)).toBeInstanceOf(RetryableError);
    expect(classify(s3Error("RequestTimeTooSkewed", 403, "skewed"), xml("RequestTimeTooSkewed"), 0)).toBeInstanceOf(RetryableError);
    const refused = classify(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED", $metadata: {} }), undefined, 0);
    expect(refused).toMatchObject({ code: "TR_DELIVERY_NETWORK" });
  });
});

describe("s3 client request", () => {
  it("sends the server-side encryption headers it is configured with, signed", async () => {
    const server = await startContractServer();
    try {
      const base = { bucket: BUCKET, endpoint: server.url, force_path_style: true, access_key_id: "AKIDCONTRACT", secret_access_key: "s" };
      for (const sse of [{ algorithm: "AES256" }, { algorithm: "aws:kms", kms_key_id: "alias/traces" }]) {
        const adapter = s3Adapter("s3", parseS3Config({ ...base, server_side_encryption: sse }));
        await adapter.client.send(adapter.mapper.map([span(1, "alpha", 0)]), { signal: new AbortController().signal, attempt: 1 });
        await adapter.client.close?.();
      }
      const [aes, kms] = server.requests;
      expect(aes.headers["x-amz-server-side-encryption"]).toBe("AES256");
      expect(aes.headers["x-amz-server-side-encryption-aws-kms-key-id"]).toBeUndefined();
      expect(kms.headers).toMatchObject({ "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "alias/traces" });
      // SigV4 covers the SSE headers, so a proxy cannot strip them unnoticed.
      expect(String(kms.headers.authorization)).toMatch(/SignedHeaders=[^,]*x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id/);
    } finally {
      await server.close();
    }
  });
});
