// The UI's HTTP client: same-origin fetches to /ui/api (session cookie), the CSRF token echoed on every
// state-changing request, 401 → the sign-in page.
import type { Page, SessionDetail, SessionSummary, TraceDetail, TraceSummary, UsageMetrics } from "../../services/explorer/queries/types.ts";

export type { Page, SessionDetail, SessionSummary, TraceDetail, TraceSummary, UsageMetrics };
export type { CanonicalSpan } from "../../lib/span/types.ts";

export interface User {
  id: string;
  email: string;
  role: "admin" | "viewer";
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

function csrfToken(): string {
  const m = document.cookie.match(/(?:^|;\s*)tr_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-csrf-token"] = csrfToken();
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const message = (json as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 401 && !path.endsWith("/login") && !path.endsWith("/me")) onUnauthorized();
    throw new ApiError(res.status, message);
  }
  return json as T;
}

export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
}

export const api = {
  me: () => request<{ user: User; project: string }>("GET", "/ui/api/me"),
  login: (email: string, password: string) => request<{ user: User }>("POST", "/ui/api/login", { email, password }),
  logout: () => request<{ ok: boolean }>("POST", "/ui/api/logout"),
  traces: (params: Record<string, string | number | undefined>) => request<Page<TraceSummary>>("GET", `/ui/api/v1/traces${qs(params)}`),
  trace: (id: string) => request<TraceDetail>("GET", `/ui/api/v1/traces/${encodeURIComponent(id)}`),
  sessions: (params: Record<string, string | number | undefined>) => request<Page<SessionSummary>>("GET", `/ui/api/v1/sessions${qs(params)}`),
  session: (id: string) => request<SessionDetail>("GET", `/ui/api/v1/sessions/${encodeURIComponent(id)}`),
  usage: (params: Record<string, string | undefined>) => request<UsageMetrics>("GET", `/ui/api/v1/metrics/usage${qs(params)}`),
};

const prefetched = new Map<string, Promise<TraceDetail>>();

/** Starts reading a trace before the app shell is up (main.tsx, on a /traces/<id> page load). */
export function prefetchTrace(id: string): void {
  const p = api.trace(id);
  p.catch(() => {}); // handled by whoever takes it
  prefetched.set(id, p);
}

/** The prefetched read of a trace if there is one (once; a failed one is read again, e.g. after sign-in), else a new read. */
export function takePrefetched(id: string): Promise<TraceDetail> {
  const p = prefetched.get(id);
  prefetched.delete(id);
  return p ? p.catch(() => api.trace(id)) : api.trace(id);
}
