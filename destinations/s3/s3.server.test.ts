// The S3 destination against a REAL S3-compatible server (S3Proxy, scripts/s3/server.ts) that checks
// SigV4 signatures: objects land under the partitioned keys, read back as the same spans, redelivery
// overwrites instead of duplicating, and S3's own refusals become permanent dead letters with its message.
import { gunzipSync } from "node:zlib";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import type { CanonicalSpan } from "../../lib/span/types.ts";
import { makeSpan } from "../../lib/store/testing.ts";
import { type S3Server, s3ForTests } from "../../scripts/s3/server.ts";
import { createDelivery, InMemoryDeadLetterSink } from "../_delivery/index.ts";
import { parseS3Config, s3Adapter } from "./index.ts";

const { server, unavailable } = await s3ForTests("s3.server.test");
const HOUR = 3_600_000;

/** A bucket of its own per test, so tests never see each other's objects. */
let bucketSeq = 0;
const newBucket = () => `trace-lake-${process.pid}-${++bucketSeq}`;

describe.skipIf(unavailable !== undefined)("s3 destination against a real S3 server", () => {
  const s3 = server as S3Server;
  const admin = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  afterAll(async () => {
    admin.destroy();
    await s3.stop();
  });

  /** Delivers `spans` through the real helper and adapter; returns the dead letters. */
  async function deliver(bucket: string, spans: CanonicalSpan[], overrides: Record<string, unknown> = {}) {
    const config = parseS3Config({
      bucket,
      prefix: "traces/",
      endpoint: s3.endpoint,
      region: s3.region,
      force_path_style: true,
      access_key_id: s3.accessKeyId,
      secret_access_key: s3.secretAccessKey,
      delivery: { batch: { max_wait_ms: 10 }, retry: { window: "5s", initial_backoff_ms: 100, max_backoff_ms: 500 } },
      ...overrides,
    });
    const dlq = new InMemoryDeadLetterSink();
    const delivery = createDelivery(s3Adapter("lake", config), config.delivery, { registry: new Registry(), deadLetters: dlq });
    await delivery.deliver(spans);
    await delivery.close();
    return dlq.letters;
  }

  async function listKeys(bucket: string) {
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (listed.Contents ?? []).map((o) => ({ key: o.Key as string, etag: o.ETag }));
  }

  async function readSpans(bucket: string, key: string): Promise<CanonicalSpan[]> {
    const got = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = gunzipSync(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).toString("utf8");
    return text.trimEnd().split("\n").map((line) => JSON.parse(line) as CanonicalSpan);
  }

  // 2 projects × 2 hours (makeSpan's base is 2026-03-01T10:00Z), 3 spans each.
  const batch = ["checkout", "search"].flatMap((project, p) =>
    [0, HOUR].flatMap((hour, h) =>
      [0, 1, 2].map((i) =>
        makeSpan({ project_id: project, trace_id: `${p}${h}`.padStart(32, "0"), span_id: `${p}${h}${i}`.padStart(16, "0"), startMs: hour + i * 1000, name: `op-${i}` }),
      ),
    ),
  );
  const sortIds = (spans: CanonicalSpan[]) => spans.map((s) => s.span_id).sort();

  it("writes one gzip JSON Lines object per (project, hour), which reads back as the same spans", async () => {
    const bucket = newBucket();
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    expect(await deliver(bucket, batch)).toEqual([]);
    const keys = (await listKeys(bucket)).map((o) => o.key).sort();
    expect(keys.map((k) => k.replace(/[0-9a-f]{32}\.jsonl\.gz$/, "*"))).toEqual([
      "traces/project=checkout/date=2026-03-01/hour=10/*",
      "traces/project=checkout/date=2026-03-01/hour=11/*",
      "traces/project=search/date=2026-03-01/hour=10/*",
      "traces/project=search/date=2026-03-01/hour=11/*",
    ]);
    const read = (await Promise.all(keys.map((k) => readSpans(bucket, k)))).flat();
    expect(read.sort((a, b) => a.span_id.localeCompare(b.span_id))).toEqual([...batch].sort((a, b) => a.span_id.localeCompare(b.span_id)));
    for (const key of keys) {
      const spans = await readSpans(bucket, key);
      const [, project, hour] = /project=(\w+)\/date=[\d-]+\/hour=(\d+)/.exec(key) ?? [];
      expect(spans.every((s) => s.project_id === project && s.start_time.slice(11, 13) === hour)).toBe(true);
      const head = await admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ContentType).toBe("application/gzip");
      expect(head.Metadata?.["span-count"]).toBe(String(spans.length));
    }
  });

  it("redelivery of the same spans (in another order) overwrites the same objects instead of adding any", async () => {
    const bucket = newBucket();
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    await deliver(bucket, batch);
    const first = await listKeys(bucket);
    await deliver(bucket, [...batch].reverse());
    await deliver(bucket, batch);
    expect(await listKeys(bucket)).toEqual(first); // same keys, same ETags (same bytes)
    const read = (await Promise.all(first.map((o) => readSpans(bucket, o.key)))).flat();
    expect(sortIds(read)).toEqual(sortIds(batch)); // every span exactly once
  });

  it("sends the server-side encryption headers (SSE-KMS with a key id) and the server records them", async () => {
    const bucket = newBucket();
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    expect(await deliver(bucket, batch.slice(0, 1), { server_side_encryption: { algorithm: "aws:kms", kms_key_id: "alias/traces" } })).toEqual([]);
    const [object] = await listKeys(bucket);
    const head = await admin.send(new HeadObjectCommand({ Bucket: bucket, Key: object.key }));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe("alias/traces");
  });

  it("a wrong secret, an unknown access key or a missing bucket is dead-lettered at once with S3's message", async () => {
    const bucket = newBucket();
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    const spans = batch.slice(0, 2);
    const cases = [
      { overrides: { secret_access_key: "not-the-secret" }, bucket, expected: /^not retryable: HTTP 403: SignatureDoesNotMatch: The request signature we calculated does not match/ },
      { overrides: { access_key_id: "AKIDUNKNOWN" }, bucket, expected: /^not retryable: HTTP 403: InvalidAccessKeyId: / },
      { overrides: {}, bucket: "no-such-bucket-here", expected: /^not retryable: HTTP 404: NoSuchBucket: The specified bucket does not exist$/ },
    ];
    for (const c of cases) {
      const letters = await deliver(c.bucket, spans, c.overrides);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ attempts: 1, error: { class: "permanent", code: "TR_DELIVERY_PERMANENT" } });
      expect(letters[0].error.message).toMatch(c.expected);
      expect(sortIds(letters[0].spans)).toEqual(sortIds(spans));
    }
    expect(await listKeys(bucket)).toEqual([]);
  });
});
