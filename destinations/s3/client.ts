// S3 client: one PutObject per object of the request, through @aws-sdk/client-s3 with the helper's
// abort signal. SDK retries are off (maxAttempts 1): the delivery helper owns retries, backoff and the
// breaker. An object that fails fails the whole request; its retry re-puts every object under the same
// deterministic keys, so objects already written are overwritten with identical bytes, not duplicated.
// Classification: 408/429/5xx, S3's SlowDown/RequestTimeout/RequestTimeTooSkewed/ExpiredToken… and
// network errors → RetryableError; other 4xx/3xx (AccessDenied, NoSuchBucket, InvalidAccessKeyId,
// SignatureDoesNotMatch, PermanentRedirect) → PermanentError with S3's code and message.
import { PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { type Client, networkError, PermanentError, RetryableError, type SendContext, throwForStatus } from "../_delivery/index.ts";
import type { S3Config } from "./config.ts";
import type { S3Object, S3Request } from "./mapper.ts";

/** S3 error codes that a later attempt can get past, whatever their HTTP status. */
const RETRYABLE_CODES = new Set(["SlowDown", "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable", "ExpiredToken", "OperationAborted"]);
/** Objects of one request written at once. */
const PUT_CONCURRENCY = 4;

export interface S3ClientOptions extends Omit<S3Config, "delivery" | "prefix" | "keyTemplate"> {
  /** Wall clock in ms, for Retry-After dates. */
  now?: () => number;
}

type AnyMiddleware = Parameters<PutObjectCommand["middlewareStack"]["addRelativeTo"]>[0];

interface RawError {
  status: number;
  text: string;
  retryAfter?: string;
}

export function createS3Client(options: S3ClientOptions): Client<S3Request> {
  const now = options.now ?? Date.now;
  const config: S3ClientConfig = {
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials, // undefined → the AWS default credential chain
    maxAttempts: 1,
  };
  const s3 = new S3Client(config);

  async function put(object: S3Object, ctx: SendContext): Promise<void> {
    const command = new PutObjectCommand({
      Bucket: options.bucket,
      Key: object.key,
      Body: object.body,
      ContentType: "application/gzip",
      Metadata: { "span-count": String(object.spanCount), format: "tracerelay-canonical-span-v1-jsonl" },
      ServerSideEncryption: options.sse?.algorithm,
      SSEKMSKeyId: options.sse?.kmsKeyId,
    });
    // The SDK turns an error body it cannot parse (a proxy's "502 bad gateway") into "UnknownError";
    // keep the raw answer so the dead letter carries what the server said.
    let raw: RawError | undefined;
    const keepErrorBody = (next: (args: unknown) => Promise<{ response: unknown }>) => async (args: unknown) => {
      const out = await next(args);
      const response = out.response as { statusCode?: number; headers?: Record<string, string>; body?: unknown };
      if ((response.statusCode ?? 0) >= 300) {
        const bytes = await readAll(response.body);
        response.body = bytes; // the SDK's deserializer reads it again
        raw = { status: response.statusCode ?? 0, text: Buffer.from(bytes).toString("utf8"), retryAfter: response.headers?.["retry-after"] };
      }
      return out;
    };
    // "after" the deserializer = between it and the HTTP handler, so it sees the raw response.
    command.middlewareStack.addRelativeTo(keepErrorBody as unknown as AnyMiddleware, {
      relation: "after",
      toMiddleware: "deserializerMiddleware",
      name: "tracerelayKeepErrorBody",
    });
    try {
      await s3.send(command, { abortSignal: ctx.signal });
    } catch (err) {
      throw classify(err, raw, now());
    }
  }

  return {
    async send(request: S3Request, ctx: SendContext): Promise<void> {
      const results = await pool(request.objects, PUT_CONCURRENCY, (o) => put(o, ctx));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as Error);
      // A permanent failure (bad credentials, missing bucket) will not heal by retrying the others.
      if (failures.length) throw failures.find((f) => f instanceof PermanentError) ?? failures[0];
    },
    async close() {
      s3.destroy();
    },
  };
}

/** Maps an SDK error to the helper's classes. Exported for tests. */
export function classify(err: unknown, raw: RawError | undefined, nowMs: number): Error {
  const e = err as { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ?? raw?.status;
  if (status === undefined) {
    if (e.name === "CredentialsProviderError") return new RetryableError(`no AWS credentials: ${e.message}`, { cause: err });
    return networkError(err);
  }
  const code = e.Code ?? e.name;
  const parsed = code && !/^Unknown/.test(code) && /<Error>/.test(raw?.text ?? "<Error>");
  const reason = parsed ? `${code}: ${e.message}` : (raw?.text ?? e.message ?? "");
  if (status < 300) return new RetryableError(`S3 answered HTTP ${status} but the SDK failed: ${e.message}`, { status, cause: err });
  if (code && RETRYABLE_CODES.has(code)) return new RetryableError(`HTTP ${status}: ${reason}`, { status });
  try {
    throwForStatus(status, reason, raw?.retryAfter ?? null, nowMs);
  } catch (classified) {
    return classified as Error;
  }
  return new PermanentError(`HTTP ${status}: ${reason}`, { status });
}

async function readAll(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (!body || typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== "function") return new Uint8Array();
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Runs `fn` over `items` with at most `limit` at a time; settles every one. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<PromiseSettledResult<void>[]> {
  const results: PromiseSettledResult<void>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]);
        results[i] = { status: "fulfilled", value: undefined };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
