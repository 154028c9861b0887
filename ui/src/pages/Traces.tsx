// Traces: filters (kept in the URL query string, so a view is shareable), the list with cursor paging
// ("Load more") and an auto-refresh toggle for live updates.
import { type KeyboardEvent, useCallback, useEffect, useRef, useState } from "react";
import { api, type TraceSummary } from "../api.ts";
import { FilterActions, SelectField, TimeRangeFields } from "../components/FilterFields.tsx";
import { columnsWith, ErrorAlert, ListTable, LoadMore } from "../components/PageState.tsx";
import { fmtInt, fmtMs, fmtTime, fmtUsd, rangeFor } from "../format.ts";
import { navigate } from "../router.ts";
import { type Filters as UrlFilterValues, urlFilters, useFilterForm } from "../url-filters.ts";

export const FILTER_KEYS = ["range", "from", "to", "name", "session_id", "user_id", "model", "environment", "status", "tags", "min_cost"] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = UrlFilterValues<FilterKey>;

const TRACE_FILTERS = urlFilters("/traces", FILTER_KEYS, { range: "24h" });

export function filtersFrom(search: URLSearchParams): Filters {
  return TRACE_FILTERS.parse(search);
}

/** The filters as the query string of a shareable URL (defaults left out). */
export function filterQuery(f: Filters): string {
  return TRACE_FILTERS.query(f);
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
  const { f, set, submit, reset } = useFilterForm(TRACE_FILTERS, search);
  const field = (k: FilterKey, label: string, placeholder = "") => (
    <div className="field">
      <label htmlFor={`f-${k}`}>{label}</label>
      <input id={`f-${k}`} name={k} value={f[k]} placeholder={placeholder} onChange={set(k)} />
    </div>
  );
  return (
    <form className="filters" onSubmit={submit} aria-label="Trace filters">
      <TimeRangeFields idPrefix="f" f={f} set={set} />
      {field("name", "Name", "contains…")}
      {field("session_id", "Session")}
      {field("user_id", "User")}
      {field("model", "Model")}
      {field("environment", "Environment")}
      <SelectField id="f-status" label="Status" name="status" value={f.status} onChange={set("status")} items={[{ value: "", label: "any" }, "ok", "error", "unset"]} />
      {field("tags", "Tags", "a,b")}
      <div className="field">
        <label htmlFor="f-min_cost">Min cost ($)</label>
        <input id="f-min_cost" name="min_cost" type="number" min="0" step="any" value={f.min_cost} onChange={set("min_cost")} />
      </div>
      <FilterActions onReset={reset} />
    </form>
  );
}

const TRACE_COLUMNS = ["Start", "Name", ...columnsWith("hide-narrow", "Session", "User", "Models"), ...columnsWith("num", "Duration", "Spans", "Tokens", "Cost"), "Status"];

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
      <ErrorAlert error={error} />
      <ListTable label="Traces" columns={TRACE_COLUMNS} empty={!loading && rows.length === 0 && "No traces match these filters."}>
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
      </ListTable>
      <LoadMore loading={loading} cursor={cursor} onMore={loadMore} />
    </section>
  );
}
