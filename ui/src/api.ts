// The UI's HTTP client: same-origin fetches to /ui/api (session cookie), the CSRF token echoed on every
// state-changing request, 401 → the sign-in page.
import type {
  DestinationStatus,
  Page,
  SessionDetail,
  SessionSummary,
  SpanDelivery,
  TraceDeliveries,
  TraceDetail,
  TraceSummary,
  UsageMetrics,
} from "../../services/explorer/queries/types.ts";

export type { DestinationStatus, Page, SessionDetail, SessionSummary, SpanDelivery, TraceDeliveries, TraceDetail, TraceSummary, UsageMetrics };
export type { CanonicalSpan } from "../../lib/span/types.ts";
import type { CanonicalSpan } from "../../lib/span/types.ts";

import type { LetterRow, ReplayResult } from "../../lib/dlq/types.ts";
import type { RulesHistoryEntry as StoredRulesHistoryEntry } from "../../rules/history.ts";

export type { ReplayResult };
export type Letter = Omit<LetterRow, "project_id" | "expires_at" | "spans"> & { project_id?: string; expires_at?: string };
export type LetterDetail = LetterRow & { history: Letter[] };
export interface LetterPage {
  items: Letter[];
  total?: { letters: number; spans: number };
  next_cursor: string | null;
}
export interface ReplayRequest {
  ids?: string[];
  filter?: { destination?: string; error_class?: string; from?: string; to?: string; trace_id?: string };
  replay_to?: string;
  limit?: number;
}

export interface User {
  id: string;
  email: string;
  role: "admin" | "viewer";
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: { problems?: string[]; reason?: string },
  ) {
    super(message);
  }
}

// ---- rules (services/explorer/rules-routes.ts) and users (services/explorer/ui-routes.ts)
export type RulesSource = { kind: "file" } | { kind: "api"; history_revision: number | null; who: string; time: string };
export type RulesState =
  | { available: false; reason: string; can_edit: boolean; read_only_reason?: string }
  | {
      available: true;
      revision: number;
      destinations: string[];
      rules: unknown;
      yaml: string;
      source: RulesSource;
      file_hash: string;
      history_persisted: boolean;
      can_edit: boolean;
      read_only_reason?: string;
    };
/** A history entry as GET rules/history serves it: the stored entry and its text (the YAML as sent, else the rules as YAML). */
export type RulesHistoryEntry = StoredRulesHistoryEntry & { text: string };
export interface SampleDecision {
  rule: string | null;
  keep: number;
  kept: boolean;
  mode: "none" | "head" | "tail";
}
export interface DryRunResult {
  trace_id: string;
  span_id: string;
  piece?: string;
  kept: boolean;
  decisions: {
    sample: SampleDecision;
    routes: string[];
    defaultRoute: boolean;
    redactions: Record<string, Record<string, number>>;
    transforms: Record<string, string[]>;
  };
  destinations: Record<string, CanonicalSpan>;
}
export type AdminUser = User;

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

function csrfToken(): string {
  const m = document.cookie.match(/(?:^|;\s*)tr_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function request<T>(method: string, path: string, body?: unknown, raw?: { contentType: string; text: string }): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-csrf-token"] = csrfToken();
  if (raw) headers["content-type"] = raw.contentType;
  else if (body !== undefined) headers["content-type"] = "application/json";
  const payload = raw ? raw.text : body === undefined ? undefined : JSON.stringify(body);
  const res = await fetch(path, { method, headers, credentials: "same-origin", body: payload });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { message?: string; details?: ApiError["details"] } } | undefined)?.error;
    const message = error?.message ?? `HTTP ${res.status}`;
    if (res.status === 401 && !path.endsWith("/login") && !path.endsWith("/me")) onUnauthorized();
    throw new ApiError(res.status, message, error?.details);
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
  traceDeliveries: (id: string) => request<TraceDeliveries>("GET", `/ui/api/v1/traces/${encodeURIComponent(id)}/deliveries`),
  sessions: (params: Record<string, string | number | undefined>) => request<Page<SessionSummary>>("GET", `/ui/api/v1/sessions${qs(params)}`),
  session: (id: string) => request<SessionDetail>("GET", `/ui/api/v1/sessions/${encodeURIComponent(id)}`),
  usage: (params: Record<string, string | undefined>) => request<UsageMetrics>("GET", `/ui/api/v1/metrics/usage${qs(params)}`),
  destinations: () => request<{ destinations: DestinationStatus[] }>("GET", "/ui/api/v1/destinations"),
  failedDeliveries: (params: Record<string, string | number | undefined>) => request<LetterPage>("GET", `/ui/api/v1/deliveries/failed${qs(params)}`),
  failedDelivery: (id: string) => request<LetterDetail>("GET", `/ui/api/v1/deliveries/failed/${encodeURIComponent(id)}`),
  replay: (body: ReplayRequest) => request<ReplayResult>("POST", "/ui/api/v1/deliveries/replay", body),
  rules: () => request<RulesState>("GET", "/ui/api/v1/rules"),
  /** Validates candidate rules (YAML text); rejects with ApiError (status 400, details.problems) when invalid. */
  validateRules: (yaml: string) => request<{ valid: true }>("POST", "/ui/api/v1/rules/test", { rules: yaml }),
  dryRunRules: (yaml: string, spans: unknown[]) => request<{ results: DryRunResult[] }>("POST", "/ui/api/v1/rules/test", { rules: yaml, spans }),
  saveRules: (yaml: string) => request<{ revision: number; history_revision: number | null }>("PUT", "/ui/api/v1/rules", undefined, { contentType: "application/yaml", text: yaml }),
  rulesHistory: (limit = 50) => request<{ persisted: boolean; items: RulesHistoryEntry[] }>("GET", `/ui/api/v1/rules/history${qs({ limit })}`),
  users: () => request<{ users: AdminUser[]; min_password_length: number }>("GET", "/ui/api/v1/users"),
  createUser: (body: { email: string; password: string; role: User["role"] }) => request<{ user: AdminUser }>("POST", "/ui/api/v1/users", body),
  updateUser: (id: string, body: { role?: User["role"]; password?: string }) => request<{ user: AdminUser }>("PATCH", `/ui/api/v1/users/${encodeURIComponent(id)}`, body),
  deleteUser: (id: string) => request<{ user: AdminUser }>("DELETE", `/ui/api/v1/users/${encodeURIComponent(id)}`),
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
