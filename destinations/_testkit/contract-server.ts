// A tiny scriptable HTTP server on 127.0.0.1 standing in for a destination's vendor. A test scripts
// what the next requests get (status, headers, body, delay, hang) and can make the port refuse
// connections (`refuse()`) and come back on the SAME port (`accept()`), as an outage does.
// Invariants: requests are answered in arrival order from the script, then `fallback` (200 "ok");
// every request is recorded with its raw body bytes (signatures are over bytes). Delays use the global
// setTimeout, so under fake timers they follow simulated time like everything else.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  /** Never answer (until the server refuses or closes): for per-request timeouts. */
  hang?: boolean;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Date.now() when the request arrived (simulated under fake timers). */
  at: number;
  /** What it was answered with (0 while unanswered). */
  status: number;
}

export interface ContractServer {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Appends responses for the next requests, in order. */
  script(...responses: ScriptedResponse[]): void;
  /** Answer for requests once the script is used up; a function decides per request. */
  setFallback(response: ScriptedResponse | ((req: ReceivedRequest) => ScriptedResponse)): void;
  /** Requests received and not yet answered (hanging or delayed). */
  hanging(): number;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function startContractServer(): Promise<ContractServer> {
  const queue: ScriptedResponse[] = [];
  let fallback: ScriptedResponse | ((req: ReceivedRequest) => ScriptedResponse) = { status: 200, body: "ok" };
  const requests: ReceivedRequest[] = [];
  let open = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rec: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks), at: Date.now(), status: 0 };
      requests.push(rec);
      const r = queue.shift() ?? (typeof fallback === "function" ? fallback(rec) : fallback);
      open++;
      res.on("close", () => {
        if (rec.status === 0) open--;
      });
      if (r.hang) return;
      const answer = () => {
        if (res.destroyed) return;
        rec.status = r.status ?? 200;
        open--;
        res.writeHead(rec.status, { "content-type": "text/plain", ...r.headers });
        res.end(r.body ?? "");
      };
      if (r.delayMs) setTimeout(answer, r.delayMs);
      else answer();
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Drop kept-alive and hanging connections too: a refused port must refuse for every client.
      server.closeAllConnections();
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...responses) => {
      queue.push(...responses);
    },
    setFallback: (r) => {
      fallback = r;
    },
    hanging: () => open,
    async refuse() {
      if (!listening) return;
      listening = false;
      await stop();
    },
    async accept() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    async close() {
      if (!listening) return;
      listening = false;
      await stop();
    },
  };
}
