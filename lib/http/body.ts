// Request-body plumbing shared by every ingest route: decompression (gzip/deflate/br, bounded by the
// route's body limit AFTER decompression, so a zip bomb is cut off), raw-Buffer content-type parsers,
// and JSON parsing with a depth limit and an error that says where the JSON broke.
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { TracerelayError } from "../errors.ts";
import { exceedsJsonDepth } from "./json-depth.ts";

const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** Registers decompression and Buffer parsers for JSON and protobuf on an (encapsulated) instance. */
export function registerRawBodies(app: FastifyInstance): void {
  app.addHook("preParsing", async (request, _reply, payload) => {
    const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase().trim();
    if (encoding === "identity" || encoding === "") return payload;
    const make = DECODERS[encoding];
    if (!make) throw new TracerelayError("TR_BODY_ENCODING", `unsupported Content-Encoding "${encoding}"; use gzip, deflate, br or none`);
    const decoded = payload.pipe(make()) as unknown as Readable & { receivedEncodedLength?: number };
    // Fastify compares Content-Length with what it reads; tell it the encoded length it received.
    payload.on("data", (chunk: Buffer) => {
      decoded.receivedEncodedLength = (decoded.receivedEncodedLength ?? 0) + chunk.length;
    });
    decoded.on("error", () => {}); // surfaced by fastify's parser as a body error
    delete request.headers["content-length"];
    return decoded;
  });
  const asBuffer = (_req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body);
  app.addContentTypeParser(["application/json", "application/x-protobuf", "application/protobuf"], { parseAs: "buffer" }, asBuffer);
}

/** Throws TR_BODY_TOO_DEEP when the raw JSON nests deeper than `maxDepth`. */
export function assertJsonDepth(buf: Buffer, maxDepth: number): void {
  const at = exceedsJsonDepth(buf, maxDepth);
  if (at >= 0) throw new TracerelayError("TR_BODY_TOO_DEEP", `JSON nested deeper than ${maxDepth} levels (at byte ${at})`);
}

/** JSON.parse with a depth limit; errors carry a stable code and say what is wrong. */
export function parseJsonBody(buf: Buffer, maxDepth: number): unknown {
  assertJsonDepth(buf, maxDepth);
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch (err) {
    throw new TracerelayError("TR_BODY_INVALID_JSON", `invalid JSON: ${(err as Error).message}`);
  }
}
