// One HTTP POST with the whole response read: node:http(s) with keep-alive agents, not fetch (fetch
// copies a request body twice on its way to the socket, which at several destinations × every span
// was a visible share of the CPU). Redirects are not followed. Used by every HTTP destination (through
// destinations/_delivery/http.ts, which classifies the outcome) and by the store's server-mode inserts.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export interface HttpAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The response body; empty when it broke after a 2xx (the request stands). */
  body: Buffer;
}

const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };

export class UnsupportedSchemeError extends Error {}

/**
 * Resolves with any status. Rejects when no answer came (refused, reset, DNS, aborted by `signal`) or
 * when the body of a non-2xx answer broke off; the error is node's own (with its `code`).
 */
export function httpPost(url: string | URL, init: { headers: Record<string, string>; body: string | Uint8Array; signal?: AbortSignal }): Promise<HttpAnswer> {
  const target = typeof url === "string" ? new URL(url) : url;
  const request = target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : undefined;
  if (!request) return Promise.reject(new UnsupportedSchemeError(`unsupported URL scheme ${target.protocol} (http: or https:)`));
  const body = typeof init.body === "string" ? Buffer.from(init.body, "utf8") : init.body;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const options = { method: "POST", headers: { ...init.headers, "content-length": String(body.byteLength) }, signal: init.signal, agent: agents[target.protocol as "http:" | "https:"] };
    const req = request(target, options, (res) => {
      const chunks: Buffer[] = [];
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const done = (bytes: Buffer) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
        resolve({ status, ok, headers, body: bytes });
      };
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done(Buffer.concat(chunks)));
      res.on("error", (err) => (ok ? done(Buffer.alloc(0)) : reject(err)));
      res.on("aborted", () => (ok ? done(Buffer.alloc(0)) : reject(new Error("response aborted"))));
    });
    req.on("error", reject);
    req.end(body);
  });
}
