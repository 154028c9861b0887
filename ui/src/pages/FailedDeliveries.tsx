// Failed deliveries (the dead-letter list): filters kept in the URL query string (shareable), cursor
// paging, checkbox selection, "Replay selected" / "Replay all matching" (optionally to another
// destination) with progress, and a detail panel for one letter: its error, attempts, history chain and
// payload. Replay is for admins; viewers see the buttons disabled with the reason.
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from "react";
import { api, type Letter, type LetterDetail, qs, type ReplayRequest, type User } from "../api.ts";
import { JsonTree } from "../components/JsonTree.tsx";
import { fmtAgo, fmtInt, fmtTime, RANGE_PRESETS, rangeFor } from "../format.ts";
import { linkClick, navigate } from "../router.ts";

const BASE = "/failed-deliveries";
const KEYS = ["destination", "status", "error_class", "range", "from", "to", "trace_id"] as const;
type Key = (typeof KEYS)[number];
type Filters = Record<Key, string>;
const PAGE = 50;
const REPLAY_PAGE = 100;

function filtersFrom(search: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const k of KEYS) f[k] = search.get(k) ?? "";
  if (!f.status) f.status = "failed";
  if (!f.range) f.range = "all";
  return f;
}

function filterQuery(f: Filters, extra: Record<string, string> = {}): string {
  const o: Record<string, string> = {};
  for (const k of KEYS) {
    if (!f[k]) continue;
    if (k === "status" && f[k] === "failed") continue;
    if (k === "range" && f[k] === "all") continue;
    if ((k === "from" || k === "to") && f.range !== "custom") continue;
    o[k] = f[k];
  }
  return qs({ ...o, ...extra });
}

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
  const [f, setF] = useState<Filters>(() => filtersFrom(search));
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-sync when the URL changes
  useEffect(() => setF(filtersFrom(search)), [search.toString()]);
  const set = (k: Key) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`${BASE}${filterQuery(f)}`);
  };
  const known = f.destination && !destinations.includes(f.destination) ? [...destinations, f.destination] : destinations;
  return (
    <form className="filters" onSubmit={submit} aria-label="Failed delivery filters">
      <div className="field">
        <label htmlFor="fd-destination">Destination</label>
        <select id="fd-destination" name="destination" value={f.destination} onChange={set("destination")}>
          <option value="">any</option>
          {known.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="fd-status">Status</label>
        <select id="fd-status" name="status" value={f.status} onChange={set("status")}>
          <option value="failed">failed (open)</option>
          <option value="replayed">replayed</option>
          <option value="all">all</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="fd-error_class">Error class</label>
        <select id="fd-error_class" name="error_class" value={f.error_class} onChange={set("error_class")}>
          <option value="">any</option>
          <option value="permanent">permanent</option>
          <option value="transient">transient</option>
          <option value="mapping">mapping</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="fd-range">Time range</label>
        <select id="fd-range" name="range" value={f.range} onChange={set("range")}>
          <option value="all">Any time</option>
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
            <label htmlFor="fd-from">From</label>
            <input id="fd-from" type="datetime-local" value={f.from} onChange={set("from")} />
          </div>
          <div className="field">
            <label htmlFor="fd-to">To</label>
            <input id="fd-to" type="datetime-local" value={f.to} onChange={set("to")} />
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor="fd-trace_id">Trace ID</label>
        <input id="fd-trace_id" name="trace_id" value={f.trace_id} onChange={set("trace_id")} pattern="[0-9a-fA-F]{32}" title="32 hex characters" placeholder="32 hex" />
      </div>
      <div className="field actions">
        <button type="submit" className="primary">
          Apply
        </button>
        <button type="button" onClick={() => navigate(BASE)}>
          Reset
        </button>
      </div>
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
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!letter && !error && <p className="muted">Loading…</p>}
      {letter && (
        <>
          <h3>Error</h3>
          <dl className="kv">
            <div>
              <dt>Class</dt>
              <dd>
                <span className={`eclass eclass-${letter.error.class}`}>{letter.error.class}</span>
              </dd>
            </div>
            <div>
              <dt>Code</dt>
              <dd className="mono">{letter.error.code}</dd>
            </div>
            <div>
              <dt>HTTP status</dt>
              <dd>{letter.error.status ?? "–"}</dd>
            </div>
            <div>
              <dt>Destination</dt>
              <dd>{letter.destination}</dd>
            </div>
          </dl>
          <pre className="code" data-testid="letter-error-message">
            {letter.error.message}
          </pre>
          <h3>Delivery</h3>
          <dl className="kv">
            <div>
              <dt>Status</dt>
              <dd>
                <span className={`status status-${letter.status === "failed" ? "error" : "ok"}`}>{letter.status}</span>
              </dd>
            </div>
            <div>
              <dt>Attempts</dt>
              <dd>{letter.attempts}</dd>
            </div>
            <div>
              <dt>First attempt</dt>
              <dd>{fmtTime(letter.first_attempt_at)}</dd>
            </div>
            <div>
              <dt>Last attempt</dt>
              <dd>{fmtTime(letter.last_attempt_at)}</dd>
            </div>
            <div>
              <dt>Dead-lettered</dt>
              <dd>{fmtTime(letter.dead_lettered_at)}</dd>
            </div>
            <div>
              <dt>Replayed</dt>
              <dd>{letter.replayed_at ? `${fmtTime(letter.replayed_at)} → ${letter.replayed_to ?? letter.destination}` : "–"}</dd>
            </div>
            <div>
              <dt>Spans</dt>
              <dd>{letter.span_count}</dd>
            </div>
            <div>
              <dt>Traces</dt>
              <dd>
                {letter.trace_ids.map((t) => (
                  <a key={t} className="mono trace-link" href={`/traces/${t}`} onClick={linkClick(`/traces/${t}`)}>
                    {t}
                  </a>
                ))}
              </dd>
            </div>
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
    const filter = replayFilter(f);
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
      // Stop when nothing remains, a page replays nothing, or as many letters as matched at the start
      // were replayed (letters that fail again come back as new failed letters and would match again).
      for (;;) {
        const r = await api.replay({ filter, limit: Math.min(REPLAY_PAGE, expected - done), ...(replayTo ? { replay_to: replayTo } : {}) });
        done += r.replayed_letters;
        spans += r.replayed_spans;
        for (const [d, n] of Object.entries(r.destinations)) per[d] = (per[d] ?? 0) + n;
        setProgress({ done, total: Math.max(expected, done), spans, label: "Replaying all matching letters" });
        if (r.remaining === 0 || r.replayed_letters === 0 || done >= expected) break;
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
        <div className="field">
          <label htmlFor="fd-replay-to">Replay to</label>
          <select id="fd-replay-to" value={replayTo} onChange={(e) => setReplayTo(e.target.value)} disabled={replayDisabled} aria-describedby={canReplay ? undefined : denyId}>
            <option value="">original destination</option>
            {destinations.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </div>
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
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className={`fd-layout${openId ? " with-detail" : ""}`}>
        <div className="fd-list">
          <div className="table-wrap">
            <table className="list" aria-label="Dead letters">
              <thead>
                <tr>
                  <th className="check">
                    <input ref={selectAllRef} type="checkbox" aria-label="Select all failed letters shown" checked={allSelected} onChange={toggleAll} disabled={selectable.length === 0} />
                  </th>
                  <th>Dead-lettered</th>
                  <th className="hide-narrow">Destination</th>
                  <th>Error</th>
                  <th className="hide-narrow">Message</th>
                  <th className="num">Spans</th>
                  <th className="num hide-narrow">Attempts</th>
                  <th>Status</th>
                </tr>
              </thead>
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
            </table>
            {!loading && rows.length === 0 && <p className="empty">No dead letters match these filters.</p>}
          </div>
          <div className="more">
            {loading && <span>Loading…</span>}
            {cursor && !loading && (
              <button type="button" onClick={loadMore}>
                Load more
              </button>
            )}
          </div>
        </div>
        {openId && <LetterPanel id={openId} onClose={() => open(null)} onOpen={(id) => open(id)} />}
      </div>
    </section>
  );
}
