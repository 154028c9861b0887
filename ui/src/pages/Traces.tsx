// Traces: filters (kept in the URL query string, so a view is shareable), the list with cursor paging
// ("Load more") and an auto-refresh toggle for live updates.
import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useRef, useState } from "react";
import { api, qs, type TraceSummary } from "../api.ts";
import { fmtInt, fmtMs, fmtTime, fmtUsd, RANGE_PRESETS, rangeFor } from "../format.ts";
import { navigate } from "../router.ts";

export const FILTER_KEYS = ["range", "from", "to", "name", "session_id", "user_id", "model", "environment", "status", "tags", "min_cost"] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Record<FilterKey, string>;

export function filtersFrom(search: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const k of FILTER_KEYS) f[k] = search.get(k) ?? "";
  if (!f.range) f.range = "24h";
  return f;
}

/** The filters as the query string of a shareable URL (defaults left out). */
export function filterQuery(f: Filters): string {
  const o: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    if (!f[k]) continue;
    if (k === "range" && f[k] === "24h") continue;
    if ((k === "from" || k === "to") && f.range !== "custom") continue;
    o[k] = f[k];
  }
  return qs(o);
}

/** API parameters for the filters. */
export function apiParams(f: Filters): Record<string, string | undefined> {
  const r = rangeFor(f.range, f.from, f.to);
  return {
    from: r.from,
    to: r.to,
    name: f.name || undefined,
    session_id: f.session_id || undefined,
    user_id: f.user_id || undefined,
    model: f.model || undefined,
    environment: f.environment || undefined,
    status: f.status || undefined,
    tags: f.tags || undefined,
    min_cost: f.min_cost || undefined,
  };
}

/** Loads a page of traces for the filters; `refresh` re-reads the first page and merges new rows in. */
export function useTraceList(search: URLSearchParams, pageSize = 50, enabled = true) {
  const key = filterQuery(filtersFrom(search));
  const [rows, setRows] = useState<TraceSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const gen = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the filters' identity
  useEffect(() => {
    if (!enabled) return;
    const g = ++gen.current;
    setLoading(true);
    setError(null);
    api
      .traces({ ...apiParams(filtersFrom(search)), limit: pageSize })
      .then((p) => {
        if (g !== gen.current) return;
        setRows(p.data);
        setCursor(p.next_cursor);
      })
      .catch((e: Error) => g === gen.current && setError(e.message))
      .finally(() => g === gen.current && setLoading(false));
  }, [key, pageSize, enabled]);

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const p = await api.traces({ ...apiParams(filtersFrom(search)), limit: pageSize, cursor });
      setRows((r) => [...r, ...p.data.filter((t) => !r.some((x) => x.trace_id === t.trace_id))]);
      setCursor(p.next_cursor);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  }, [cursor, search, pageSize]);

  const refresh = useCallback(async () => {
    const g = gen.current;
    const p = await api.traces({ ...apiParams(filtersFrom(search)), limit: pageSize }).catch(() => null);
    if (!p || g !== gen.current) return;
    setRows((r) => {
      const fresh = new Map(p.data.map((t) => [t.trace_id, t]));
      const updated = r.map((t) => fresh.get(t.trace_id) ?? t);
      const added = p.data.filter((t) => !r.some((x) => x.trace_id === t.trace_id));
      return [...added, ...updated];
    });
  }, [search, pageSize]);

  return { rows, cursor, loading, error, loadMore, refresh, key };
}

/** Arrow keys move focus between sibling rows marked `data-row`. */
export function rowKeys(e: KeyboardEvent<HTMLElement>, open: () => void): void {
  const el = e.currentTarget;
  if (e.key === "Enter") {
    e.preventDefault();
    open();
  } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    const rows = Array.from(el.closest("[data-rows]")?.querySelectorAll<HTMLElement>("[data-row]") ?? []);
    const i = rows.indexOf(el);
    rows[e.key === "ArrowDown" ? Math.min(rows.length - 1, i + 1) : Math.max(0, i - 1)]?.focus();
  }
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status}</span>;
}

function FilterForm({ search }: { search: URLSearchParams }) {
  const [f, setF] = useState<Filters>(() => filtersFrom(search));
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-sync when the URL changes
  useEffect(() => setF(filtersFrom(search)), [search.toString()]);
  const set = (k: FilterKey) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/traces${filterQuery(f)}`);
  };
  const field = (k: FilterKey, label: string, placeholder = "") => (
    <div className="field">
      <label htmlFor={`f-${k}`}>{label}</label>
      <input id={`f-${k}`} name={k} value={f[k]} placeholder={placeholder} onChange={set(k)} />
    </div>
  );
  return (
    <form className="filters" onSubmit={submit} aria-label="Trace filters">
      <div className="field">
        <label htmlFor="f-range">Time range</label>
        <select id="f-range" name="range" value={f.range} onChange={set("range")}>
          {RANGE_PRESETS.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </div>
      {f.range === "custom" && (
        <>
          <div className="field">
            <label htmlFor="f-from">From</label>
            <input id="f-from" type="datetime-local" value={f.from} onChange={set("from")} />
          </div>
          <div className="field">
            <label htmlFor="f-to">To</label>
            <input id="f-to" type="datetime-local" value={f.to} onChange={set("to")} />
          </div>
        </>
      )}
      {field("name", "Name", "contains…")}
      {field("session_id", "Session")}
      {field("user_id", "User")}
      {field("model", "Model")}
      {field("environment", "Environment")}
      <div className="field">
        <label htmlFor="f-status">Status</label>
        <select id="f-status" name="status" value={f.status} onChange={set("status")}>
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
          <option value="unset">unset</option>
        </select>
      </div>
      {field("tags", "Tags", "a,b")}
      <div className="field">
        <label htmlFor="f-min_cost">Min cost ($)</label>
        <input id="f-min_cost" name="min_cost" type="number" min="0" step="any" value={f.min_cost} onChange={set("min_cost")} />
      </div>
      <div className="field actions">
        <button type="submit" className="primary">
          Apply
        </button>
        <button type="button" onClick={() => navigate("/traces")}>
          Reset
        </button>
      </div>
    </form>
  );
}

export function Traces({ search }: { search: URLSearchParams }) {
  const { rows, cursor, loading, error, loadMore, refresh, key } = useTraceList(search);
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (!live) return;
    const t = setInterval(refresh, 3000);
    return () => clearInterval(t);
  }, [live, refresh]);
  const open = (id: string) => navigate(`/traces/${id}${key}`);

  return (
    <section className="page">
      <div className="page-head">
        <h1>Traces</h1>
        <label className="toggle">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Auto-refresh
        </label>
      </div>
      <FilterForm search={search} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="table-wrap">
        <table className="list" aria-label="Traces">
          <thead>
            <tr>
              <th>Start</th>
              <th>Name</th>
              <th className="hide-narrow">Session</th>
              <th className="hide-narrow">User</th>
              <th className="hide-narrow">Models</th>
              <th className="num">Duration</th>
              <th className="num">Spans</th>
              <th className="num">Tokens</th>
              <th className="num">Cost</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody data-rows>
            {rows.map((t) => (
              <tr key={t.trace_id} data-row tabIndex={0} data-trace-id={t.trace_id} onClick={() => open(t.trace_id)} onKeyDown={(e) => rowKeys(e, () => open(t.trace_id))}>
                <td>{fmtTime(t.start_time)}</td>
                <td>
                  <a href={`/traces/${t.trace_id}${key}`} onClick={(e) => e.preventDefault()} tabIndex={-1}>
                    {t.name}
                  </a>
                  {t.tags.length > 0 && (
                    <span className="tags">
                      {t.tags.map((g) => (
                        <span key={g} className="tag">
                          {g}
                        </span>
                      ))}
                    </span>
                  )}
                </td>
                <td className="mono ellipsis hide-narrow">{t.session_id ?? "–"}</td>
                <td className="ellipsis hide-narrow">{t.user_id ?? "–"}</td>
                <td className="ellipsis hide-narrow">{t.models.join(", ") || "–"}</td>
                <td className="num">{fmtMs(t.duration_ms)}</td>
                <td className="num">{fmtInt(t.span_count)}</td>
                <td className="num">{fmtInt(t.total_tokens)}</td>
                <td className="num">{fmtUsd(t.total_cost_usd)}</td>
                <td>
                  <StatusBadge status={t.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && rows.length === 0 && <p className="empty">No traces match these filters.</p>}
      </div>
      <div className="more">
        {loading && <span>Loading…</span>}
        {cursor && !loading && (
          <button type="button" onClick={loadMore}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}
