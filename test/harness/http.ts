// A raw HTTP POST on node:http for requests fetch makes awkward: bodies the server refuses before it
// has read them (413), exact headers, byte-exact bodies.
//
// A server that answers early (413 on Content-Length) and closes races the client still writing: the
// write fails with EPIPE and the answer can be lost with the socket. So for oversized bodies use
// `declareOnly` (declare the full Content-Length, send a prefix, wait for the answer — exactly what the
// server decides on) or `chunked` (no Content-Length: the server must count; writing stops as soon as an
// answer arrives, and an attempt lost to the race is retried).
import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface RawOptions {
  timeoutMs?: number;
  /** Declare `body.length` as Content-Length but send only this many bytes, then wait for the answer. */
  declareOnly?: number;
  /** Send with Transfer-Encoding: chunked in pieces of this size, stopping when an answer arrives. */
  chunked?: number;
}

export async function rawPost(baseUrl: string, path: string, body: Buffer | string, headers: Record<string, string> = {}, opts: RawOptions = {}): Promise<RawResponse> {
  const attempts = opts.chunked ? 3 : 1;
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await once(baseUrl, path, typeof body === "string" ? Buffer.from(body) : body, headers, opts);
    } catch (err) {
      lastErr = err;
      if (!/EPIPE|ECONNRESET|socket hang up/.test(String(err))) throw err;
    }
  }
  throw lastErr;
}

function once(baseUrl: string, path: string, buf: Buffer, headers: Record<string, string>, opts: RawOptions): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const lengthHeaders: Record<string, string> = opts.chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(buf.length) };
  return new Promise((resolve, reject) => {
    let answered = false;
    let settled = false;
    const req = request(
      { method: "POST", hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: { ...lengthHeaders, ...headers }, timeout: timeoutMs },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          settled = true;
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          if (opts.declareOnly !== undefined || opts.chunked) req.destroy();
        });
        res.on("error", (err) => {
          if (!settled) reject(err);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", (err) => {
      if (!settled && !answered) reject(err);
    });
    if (opts.declareOnly !== undefined) {
      req.write(buf.subarray(0, opts.declareOnly));
      return; // never end: the server must answer from the declared length
    }
    if (opts.chunked) {
      const size = opts.chunked;
      let offset = 0;
      const pump = () => {
        while (!answered && offset < buf.length) {
          const piece = buf.subarray(offset, offset + size);
          offset += piece.length;
          if (!req.write(piece)) {
            req.once("drain", pump);
            return;
          }
        }
        if (!answered) req.end();
      };
      pump();
      return;
    }
    req.end(buf);
  });
}
