// Failed deliveries (the dead-letter list): filters kept in the URL query string (shareable), cursor
// paging, checkbox selection, "Replay selected" / "Replay all matching" (optionally to another
// destination) with progress, and a detail panel for one letter: its error, attempts, history chain and
// payload. Replay is for admins; viewers see the buttons disabled with the reason.
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { api, type Letter, type LetterDetail, type ReplayRequest, type User } from "../api.ts";
import { FilterActions, SelectField, TimeRangeFields } from "../components/FilterFields.tsx";
import { JsonTree } from "../components/JsonTree.tsx";
import { Term } from "../components/Term.tsx";
import { ErrorAlert, ListTable, LoadMore } from "../components/PageState.tsx";
import { fmtAgo, fmtInt, fmtTime, rangeFor } from "../format.ts";
import { linkClick, navigate } from "../router.ts";
import { type Filters as UrlFilterValues, urlFilters, useFilterForm } from "../url-filters.ts";

const BASE = "/failed-deliveries";
const FILTERS = urlFilters(BASE, ["destination", "status", "error_class", "range", "from", "to", "trace_id"] as const, { status: "failed", range: "all" });
type Filters = UrlFilterValues<(typeof FILTERS.keys)[number]>;
const filtersFrom = FILTERS.parse;
const filterQuery = FILTERS.query;
/** The "no filter" choice of a select. */
const ANY = { value: "", label: "any" };
const PAGE = 50;
const REPLAY_PAGE = 100;

function timeRange(f: Filters): { from?: string; to?: string } {
  return f.range === "all" ? {} : rangeFor(f.range, f.from, f.to);
}

function replayFilter(f: Filters): NonNullable<ReplayRequest["filter"]> {
  const r = timeRange(f);
  const out: NonNullable<ReplayRequest["filter"]> = {};
  if (f.destination) out.destination = f.destination;
  if (f.error_class) out.error_class = f.error_class;
  if (f.trace_id) out.trace_id = f.trace_id;
  if (r.from) out.from = r.from;
  if (r.to) out.to = r.to;
  return out;
}

function listParams(f: Filters): Record<string, string | undefined> {
  return { ...replayFilter(f), status: f.status };
}

function FilterForm({ search, destinations }: { search: URLSearchParams; destinations: string[] }) {
  const { f, set, submit, reset } = useFilterForm(FILTERS, search);
  const known = f.destination && !destinations.includes(f.destination) ? [...destinations, f.destination] : destinations;
  return (
    <form className="filters" onSubmit={submit} aria-label="Failed delivery filters">
      <SelectField id="fd-destination" label="Destination" name="destination" value={f.destination} onChange={set("destination")} items={[ANY, ...known]} />
      <SelectField id="fd-status" label="Status" name="status" value={f.status} onChange={set("status")} items={[{ value: "failed", label: "failed (open)" }, "replayed", "all"]} />
      <SelectField id="fd-error_class" label="Error class" name="error_class" value={f.error_class} onChange={set("error_class")} items={[ANY, "permanent", "transient", "mapping"]} />
      <TimeRangeFields idPrefix="fd" f={f} set={set} anyTime />
      <div className="field">
        <label htmlFor="fd-trace_id">Trace ID</label>
        <input id="fd-trace_id" name="trace_id" value={f.trace_id} onChange={set("trace_id")} pattern="[0-9a-fA-F]{32}" title="32 hex characters" placeholder="32 hex" />
      </div>
      <FilterActions onReset={reset} />
    </form>
  );
}

function LetterPanel({ id, onClose, onOpen }: { id: string; onClose: () => void; onOpen: (id: string) => void }) {
  const [letter, setLetter] = useState<LetterDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const head = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    let live = true;
    setLetter(null);
    setError(null);
    api
      .failedDelivery(id)
      .then((l) => live && setLetter(l))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [id]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus the heading once the letter is shown
  useEffect(() => {
    if (letter) head.current?.focus();
  }, [letter?.id]);
  return (
    <aside className="letter-panel" aria-label="Dead letter detail" data-testid="letter-detail">
      <div className="letter-panel-head">
        <h2 ref={head} tabIndex={-1}>
          Dead letter <span className="mono">{id}</span>
        </h2>
        <button type="button" onClick={onClose} aria-label="Close detail">
          Close
        </button>
      </div>
      <ErrorAlert error={error} />
      {!letter && !error && <p className="muted">Loading…</p>}
      {letter && (
        <>
          <h3>Error</h3>
          <dl className="kv">
            <Term label="Class">
              <span className={`eclass eclass-${letter.error.class}`}>{letter.error.class}</span>
            </Term>
            <Term label="Code" className="mono">{letter.error.code}</Term>
            <Term label="HTTP status">{letter.error.status ?? "–"}</Term>
            <Term label="Destination">{letter.destination}</Term>
          </dl>
          <pre className="code" data-testid="letter-error-message">
            {letter.error.message}
          </pre>
          <h3>Delivery</h3>
          <dl className="kv">
            <Term label="Status">
              <span className={`status status-${letter.status === "failed" ? "error" : "ok"}`}>{letter.status}</span>
            </Term>
            <Term label="Attempts">{letter.attempts}</Term>
            <Term label="First attempt">{fmtTime(letter.first_attempt_at)}</Term>
            <Term label="Last attempt">{fmtTime(letter.last_attempt_at)}</Term>
            <Term label="Dead-lettered">{fmtTime(letter.dead_lettered_at)}</Term>
            <Term label="Replayed">{letter.replayed_at ? `${fmtTime(letter.replayed_at)} → ${letter.replayed_to ?? letter.destination}` : "–"}</Term>
            <Term label="Spans">{letter.span_count}</Term>
            <Term label="Traces">
              {letter.trace_ids.map((t) => (
                <a key={t} className="mono trace-link" href={`/traces/${t}`} onClick={linkClick(`/traces/${t}`)}>
                  {t}
                </a>
              ))}
            </Term>
          </dl>
          <h3>History</h3>
          {letter.history.length === 0 ? (
            <p className="muted small">First failure: not a replay.</p>
          ) : (
            <ol className="history" data-testid="letter-history">
              {letter.history.map((h) => (
                <li key={h.id}>
                  <button type="button" className="linkish mono" onClick={() => onOpen(h.id)}>
                    {h.id}
                  </button>{" "}
                  <span className="muted small">
                    {fmtTime(h.dead_lettered_at)} · {h.status}
                    {h.replayed_at ? ` ${fmtAgo(h.replayed_at)}` : ""}
                  </span>
                  <div className="small ellipsis-2">{h.error.message}</div>
                </li>
              ))}
              <li aria-current="true">
                <span className="mono">{letter.id}</span> <span className="muted small">(this letter)</span>
              </li>
            </ol>
          )}
          <h3>
            Payload ({letter.spans?.length ?? 0} span{letter.spans?.length === 1 ? "" : "s"})
          </h3>
          <div data-testid="letter-payload">
            <JsonTree value={letter.spans ?? []} label="payload" />
          </div>
        </>
      )}
    </aside>
  );
}

const LETTER_COLUMNS = ["Dead-lettered", { label: "Destination", className: "hide-narrow" }, "Error", { label: "Message", className: "hide-narrow" }, { label: "Spans", className: "num" }, { label: "Attempts", className: "num hide-narrow" }, "Status"];

interface Progress {
  done: number;
  total: number;
  spans: number;
  label: string;
}

export function FailedDeliveries({ search, user }: { search: URLSearchParams; user: User }) {
  const f = filtersFrom(search);
  const key = filterQuery(f);
  const openId = search.get("letter");
  const canReplay = user.role === "admin";
  const [rows, setRows] = useState<Letter[]>([]);
  const [total, setTotal] = useState<{ letters: number; spans: number } | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [destinations, setDestinations] = useState<string[]>([]);
  const [replayTo, setReplayTo] = useState("");
  const [progress, setProgress] = useState<Progress | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const gen = useRef(0);
  const denyId = useId();
  const selectAllRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    api
      .destinations()
      .then((r) => setDestinations(r.destinations.map((d) => d.name)))
      .catch(() => {});
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the filters' identity
  const load = useCallback(async () => {
    const g = ++gen.current;
    setLoading(true);
    setError(null);
    try {
      const p = await api.failedDeliveries({ ...listParams(filtersFrom(search)), limit: PAGE });
      if (g !== gen.current) return;
      setRows(p.items);
      setTotal(p.total ?? null);
      setCursor(p.next_cursor);
      setSelected(new Set());
    } catch (e) {
      if (g === gen.current) setError((e as Error).message);
    } finally {
      if (g === gen.current) setLoading(false);
    }
  }, [key]);

  useEffect(() => {
    load();
  }, [load]);

  const loadMore = async () => {
    if (!cursor) return;
    const g = gen.current;
    setLoading(true);
    try {
      const p = await api.failedDeliveries({ ...listParams(f), limit: PAGE, cursor });
      if (g !== gen.current) return;
      setRows((r) => [...r, ...p.items.filter((x) => !r.some((y) => y.id === x.id))]);
      setCursor(p.next_cursor);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };

  const selectable = rows.filter((r) => r.status === "failed");
  const allSelected = selectable.length > 0 && selectable.every((r) => selected.has(r.id));
  const someSelected = selectable.some((r) => selected.has(r.id));
  useEffect(() => {
    if (selectAllRef.current) selectAllRef.current.indeterminate = someSelected && !allSelected;
  }, [someSelected, allSelected]);

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(selectable.map((r) => r.id)));

  const open = (id: string | null) => {
    const q = new URLSearchParams(search);
    if (id) q.set("letter", id);
    else q.delete("letter");
    const s = q.toString();
    navigate(`${BASE}${s ? `?${s}` : ""}`);
  };

  const summarize = (letters: number, spans: number, per: Record<string, number>) => {
    const where = Object.entries(per)
      .map(([d, n]) => `${d} ${n}`)
      .join(", ");
    return `Replayed ${letters} letter${letters === 1 ? "" : "s"} (${spans} span${spans === 1 ? "" : "s"})${where ? ` → ${where}` : ""}.`;
  };

  const replaySelected = async () => {
    const ids = [...selected];
    if (!ids.length) return;
    setResult(null);
    const per: Record<string, number> = {};
    let done = 0;
    let spans = 0;
    setProgress({ done, total: ids.length, spans, label: "Replaying selected letters" });
    try {
      for (let i = 0; i < ids.length; i += REPLAY_PAGE) {
        const chunk = ids.slice(i, i + REPLAY_PAGE);
        const r = await api.replay({ ids: chunk, limit: chunk.length, ...(replayTo ? { replay_to: replayTo } : {}) });
        done += chunk.length;
        spans += r.replayed_spans;
        for (const [d, n] of Object.entries(r.destinations)) per[d] = (per[d] ?? 0) + n;
        setProgress({ done, total: ids.length, spans, label: "Replaying selected letters" });
      }
      setResult({ ok: true, text: summarize(ids.length, spans, per) });
    } catch (e) {
      setResult({ ok: false, text: `Replay stopped after ${done} of ${ids.length} letters: ${(e as Error).message}` });
    } finally {
      setProgress(null);
      await load();
    }
  };

  const replayAll = async () => {
    setResult(null);
    // Bounded to the letters that exist now, as `tracerelay replay` does: letters that fail again
    // come back as new failed letters and would otherwise match again.
    const filter = { ...replayFilter(f) };
    filter.to ??= new Date().toISOString();
    let expected = 0;
    try {
      const first = await api.failedDeliveries({ ...replayFilter(f), status: "failed", limit: 1 });
      expected = first.total?.letters ?? 0;
    } catch (e) {
      setResult({ ok: false, text: (e as Error).message });
      return;
    }
    if (expected === 0) {
      setResult({ ok: true, text: "Nothing to replay: no failed letters match these filters." });
      return;
    }
    const per: Record<string, number> = {};
    let done = 0;
    let spans = 0;
    setProgress({ done, total: expected, spans, label: "Replaying all matching letters" });
    try {
      for (;;) {
        const r = await api.replay({ filter, limit: REPLAY_PAGE, ...(replayTo ? { replay_to: replayTo } : {}) });
        done += r.replayed_letters;
        spans += r.replayed_spans;
        for (const [d, n] of Object.entries(r.destinations)) per[d] = (per[d] ?? 0) + n;
        setProgress({ done, total: Math.max(expected, done), spans, label: "Replaying all matching letters" });
        if (r.remaining === 0 || r.replayed_letters === 0) break;
      }
      setResult({ ok: true, text: summarize(done, spans, per) });
    } catch (e) {
      setResult({ ok: false, text: `Replay stopped after ${done} of ${expected} letters: ${(e as Error).message}` });
    } finally {
      setProgress(null);
      await load();
    }
  };

  const busy = progress !== null;
  const replayDisabled = !canReplay || busy;

  return (
    <section className="page failed-deliveries">
      <div className="page-head">
        <h1>Failed deliveries</h1>
        <button type="button" onClick={() => load()} disabled={loading}>
          Refresh
        </button>
      </div>
      <FilterForm search={search} destinations={destinations} />
      <div className="replay-bar">
        <span data-testid="fd-total">
          {total ? (
            <>
              <strong>{fmtInt(total.letters)}</strong> letter{total.letters === 1 ? "" : "s"} ({fmtInt(total.spans)} spans) match
            </>
          ) : (
            " "
          )}
          {selected.size > 0 && <> · {selected.size} selected</>}
        </span>
        <SelectField
          id="fd-replay-to"
          label="Replay to"
          value={replayTo}
          onChange={(e) => setReplayTo(e.target.value)}
          disabled={replayDisabled}
          aria-describedby={canReplay ? undefined : denyId}
          items={[{ value: "", label: "original destination" }, ...destinations]}
        />
        <button type="button" className="primary" onClick={replaySelected} disabled={replayDisabled || selected.size === 0} aria-describedby={canReplay ? undefined : denyId}>
          Replay selected{selected.size ? ` (${selected.size})` : ""}
        </button>
        <button type="button" onClick={replayAll} disabled={replayDisabled || f.status === "replayed" || !total?.letters} aria-describedby={canReplay ? undefined : denyId}>
          Replay all matching
        </button>
        {!canReplay && (
          <p id={denyId} className="muted small deny" data-testid="replay-denied">
            Replaying needs the admin role: you are signed in as a viewer.
          </p>
        )}
      </div>
      {progress && (
        <div className="replay-progress" data-testid="replay-progress">
          <label htmlFor="fd-progress">
            {progress.label}: {progress.done} / {progress.total} letters ({progress.spans} spans)
          </label>
          <progress id="fd-progress" max={progress.total} value={progress.done} />
        </div>
      )}
      <div role="status" aria-live="polite" className="replay-result-live">
        {result && (
          <p className={result.ok ? "notice" : "error"} data-testid="replay-result">
            {result.text}
          </p>
        )}
      </div>
      <ErrorAlert error={error} />
      <div className={`fd-layout${openId ? " with-detail" : ""}`}>
        <div className="fd-list">
          <ListTable
            label="Dead letters"
            columns={[
              {
                key: "select",
                className: "check",
                label: <input ref={selectAllRef} type="checkbox" aria-label="Select all failed letters shown" checked={allSelected} onChange={toggleAll} disabled={selectable.length === 0} />,
              },
              ...LETTER_COLUMNS,
            ]}
            empty={!loading && rows.length === 0 && "No dead letters match these filters."}
          >
            <tbody>
              {rows.map((l) => (
                <tr key={l.id} data-letter-id={l.id} className={l.id === openId ? "current" : undefined} onClick={() => open(l.id)}>
                  <td className="check" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
                    {l.status === "failed" && <input type="checkbox" checked={selected.has(l.id)} onChange={() => toggle(l.id)} aria-label={`Select letter ${l.id} (${l.destination}, ${l.span_count} spans)`} />}
                  </td>
                  <td className="nowrap">
                    <a href={`${BASE}${filterQuery(f, { letter: l.id })}`} onClick={(e) => {
                      e.preventDefault();
                      e.stopPropagation();
                      open(l.id);
                    }} title={fmtTime(l.dead_lettered_at)}>
                      {fmtAgo(l.dead_lettered_at)}
                    </a>
                  </td>
                  <td className="hide-narrow">{l.destination}</td>
                  <td className="nowrap">
                    <span className={`eclass eclass-${l.error.class}`}>{l.error.class}</span> {l.error.status ?? ""}
                  </td>
                  <td className="ellipsis hide-narrow" title={l.error.message}>
                    {l.error.message}
                  </td>
                  <td className="num">{fmtInt(l.span_count)}</td>
                  <td className="num hide-narrow">{l.attempts}</td>
                  <td>
                    <span className={`status status-${l.status === "failed" ? "error" : "ok"}`}>{l.status}</span>
                    {l.replay_of.length > 0 && <span className="tag" title="a replay that failed again">retry ×{l.replay_of.length}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </ListTable>
          <LoadMore loading={loading} cursor={cursor} onMore={loadMore} />
        </div>
        {openId && <LetterPanel id={openId} onClose={() => open(null)} onOpen={(id) => open(id)} />}
      </div>
    </section>
  );
}
