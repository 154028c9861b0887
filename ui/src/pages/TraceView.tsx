// The trace view: trace list · span tree + waterfall · span detail in three columns on wide screens
// (≥ 1200 px), tabs on narrow ones. Performance marks `trace-view:fetched` and `trace-view:interactive`
// (the tree is on screen and accepts input) feed the benchmark (bench/ui-trace-view.ts).
import { useEffect, useMemo, useState } from "react";
import { api, type TraceDeliveries, type TraceDetail, takePrefetched } from "../api.ts";
import { SpanDetail } from "../components/SpanDetail.tsx";
import { ErrorAlert } from "../components/PageState.tsx";
import { buildTree, SpanTree } from "../components/SpanTree.tsx";
import { fmtInt, fmtMs, fmtTime, fmtUsd } from "../format.ts";
import { linkClick, navigate } from "../router.ts";
import { filterQuery, filtersFrom, rowKeys, StatusBadge, useTraceList } from "./Traces.tsx";

type Tab = "list" | "tree" | "detail";

function TraceListColumn({ search, current, enabled }: { search: URLSearchParams; current: string; enabled: boolean }) {
  const { rows, cursor, loading, loadMore, key } = useTraceList(search, 50, enabled);
  return (
    <nav className="trace-list-col" aria-label="Traces">
      <div className="col-title">
        <a href={`/traces${key}`} onClick={linkClick(`/traces${key}`)}>
          ← All traces
        </a>
      </div>
      <ul data-rows>
        {rows.map((t) => (
          <li key={t.trace_id} className={t.trace_id === current ? "current" : ""}>
            <a
              href={`/traces/${t.trace_id}${key}`}
              data-row
              aria-current={t.trace_id === current ? "page" : undefined}
              onClick={linkClick(`/traces/${t.trace_id}${key}`)}
              onKeyDown={(e) => rowKeys(e, () => navigate(`/traces/${t.trace_id}${key}`))}
            >
              <div className="ellipsis">{t.name}</div>
              <div className="muted small">
                {fmtTime(t.start_time)} · {fmtMs(t.duration_ms)} · <StatusBadge status={t.status} />
              </div>
            </a>
          </li>
        ))}
      </ul>
      {loading && <p className="muted small">Loading…</p>}
      {cursor && !loading && (
        <button type="button" onClick={loadMore}>
          Load more
        </button>
      )}
    </nav>
  );
}

export function TraceView({ traceId, search }: { traceId: string; search: URLSearchParams }) {
  const [trace, setTrace] = useState<TraceDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(search.get("span"));
  const [tab, setTab] = useState<Tab>("tree");
  const [ready, setReady] = useState(false);
  const [deliveries, setDeliveries] = useState<TraceDeliveries | null>(null);

  useEffect(() => {
    let live = true;
    setTrace(null);
    setError(null);
    performance.mark("trace-view:fetch-start");
    takePrefetched(traceId)
      .then((t) => {
        if (!live) return;
        performance.mark("trace-view:fetched");
        setTrace(t);
      })
      .catch((e: Error) => {
        if (!live) return;
        setError(e.message);
        setReady(true);
      });
    return () => {
      live = false;
    };
  }, [traceId]);

  // Delivery status per span: read after the trace itself, never in its way.
  useEffect(() => {
    if (!trace) return;
    let live = true;
    setDeliveries(null);
    api
      .traceDeliveries(traceId)
      .then((d) => live && setDeliveries(d))
      .catch(() => live && setDeliveries(null));
    return () => {
      live = false;
    };
  }, [trace, traceId]);

  const tree = useMemo(() => (trace ? buildTree(trace.spans) : null), [trace]);

  useEffect(() => {
    if (!tree) return;
    setSelected((s) => (s && tree.byId.has(s) ? s : (tree.roots[0]?.span.span_id ?? null)));
    // interactive: after the tree has been committed and painted
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark("trace-view:interactive");
        document.documentElement.dataset.traceViewReady = traceId;
        setReady(true);
      }, 0),
    );
  }, [tree, traceId]);

  // a newly selected span's detail starts at its top
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on selection change
  useEffect(() => {
    document.getElementById("panel-detail")?.scrollTo({ top: 0 });
  }, [selected]);

  const selectedSpan = selected && tree ? tree.byId.get(selected)?.span : undefined;
  const listSearch = new URLSearchParams(filterQuery(filtersFrom(search)).slice(1));

  const tabs: Array<[Tab, string]> = [
    ["list", "Traces"],
    ["tree", "Tree & timeline"],
    ["detail", "Span detail"],
  ];

  return (
    <div className="trace-view" data-tab={tab}>
      <div className="tabs" role="tablist" aria-label="Trace view panels">
        {tabs.map(([t, label]) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} aria-controls={`panel-${t}`} id={`tab-${t}`} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </div>
      <div className="col col-list" id="panel-list" role="tabpanel" aria-labelledby="tab-list">
        {/* loaded after the trace, so the two reads do not compete */}
        <TraceListColumn search={listSearch} current={traceId} enabled={ready} />
      </div>
      <section className="col col-tree" id="panel-tree" role="tabpanel" aria-labelledby="tab-tree">
        <ErrorAlert error={error} />
        {!trace && !error && <p className="muted">Loading trace…</p>}
        {trace && tree && (
          <>
            <header className="trace-head">
              <h1 data-testid="trace-name">{trace.name}</h1>
              <div className="trace-stats">
                <StatusBadge status={trace.status} />
                <span>{fmtTime(trace.start_time)}</span>
                <span>{fmtMs(trace.duration_ms)}</span>
                <span>{fmtInt(trace.span_count)} spans</span>
                <span data-testid="trace-tokens">{fmtInt(trace.total_tokens)} tokens</span>
                <span>{fmtUsd(trace.total_cost_usd)}</span>
                {trace.models.length > 0 && <span>{trace.models.join(", ")}</span>}
                {trace.session_id && (
                  <a href={`/sessions/${encodeURIComponent(trace.session_id)}`} onClick={linkClick(`/sessions/${encodeURIComponent(trace.session_id)}`)} data-testid="session-link">
                    session {trace.session_id}
                  </a>
                )}
                {trace.user_id && <span>user {trace.user_id}</span>}
                {trace.environment && <span>env {trace.environment}</span>}
              </div>
            </header>
            <SpanTree tree={tree} selected={selected} onSelect={setSelected} onOpen={(id) => {
                setSelected(id);
                setTab("detail");
              }} />
          </>
        )}
      </section>
      <section className="col col-detail" id="panel-detail" role="tabpanel" aria-labelledby="tab-detail">
        <SpanDetail span={selectedSpan} deliveries={selectedSpan && deliveries ? { list: deliveries.spans[selectedSpan.span_id] ?? [], rulesKnown: deliveries.rules_known } : undefined} />
      </section>
    </div>
  );
}
