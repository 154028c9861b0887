// Rules: the router's live rules as YAML in an editor (a textarea with line numbers), validated on demand
// and before every save through POST rules/test — problems are marked at their `file:line` — saved with
// PUT (application/yaml); a dry-run of a pasted span or one from a recent trace against the editor's
// rules (what fired, kept or dropped and why, what each destination would receive, as a diff of the
// original span); and the history of changes made through the API with "load into editor". Viewers see
// everything read-only, with the reason.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { ApiError, api, type CanonicalSpan, type DryRunResult, type RulesHistoryEntry, type RulesState, type TraceSummary } from "../api.ts";
import { ErrorAlert, ListTable } from "../components/PageState.tsx";
import { fmtAgo, fmtTime } from "../format.ts";

/** `request:12: routes[0] …` → line 12 (problems without a line are shown above the editor). */
export function problemLines(problems: readonly string[]): { byLine: Map<number, string[]>; general: string[] } {
  const byLine = new Map<number, string[]>();
  const general: string[] = [];
  for (const p of problems) {
    const m = p.match(/^[^:\s]+:(\d+): (.*)$/s);
    if (m) byLine.set(Number(m[1]), [...(byLine.get(Number(m[1])) ?? []), m[2]]);
    else general.push(p);
  }
  return { byLine, general };
}

type Validation = { state: "unknown" } | { state: "checking" } | { state: "valid" } | { state: "invalid"; problems: string[] } | { state: "error"; message: string };

// ---------------------------------------------------------------- the editor

function CodeEditor(props: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  readOnly: boolean;
  markers: Map<number, string[]>;
  describedBy?: string;
  editorRef: React.RefObject<HTMLTextAreaElement | null>;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const lines = Math.max(1, props.value.split("\n").length);
  const sync = () => {
    if (gutter.current && props.editorRef.current) gutter.current.scrollTop = props.editorRef.current.scrollTop;
  };
  return (
    <div className={`code-editor${props.readOnly ? " read-only" : ""}`}>
      <div className="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => {
          const n = i + 1;
          const msgs = props.markers.get(n);
          return (
            <div key={n} className={msgs ? "gutter-line gutter-err" : "gutter-line"} title={msgs?.join("\n")} data-testid={msgs ? `line-marker-${n}` : undefined}>
              {msgs ? "● " : ""}
              {n}
            </div>
          );
        })}
      </div>
      <label htmlFor={props.id} className="sr-only">
        {props.label}
      </label>
      <textarea
        id={props.id}
        ref={props.editorRef}
        className="code"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        onScroll={sync}
        readOnly={props.readOnly}
        aria-readonly={props.readOnly}
        aria-describedby={props.describedBy}
        aria-invalid={props.markers.size > 0}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        wrap="off"
        rows={Math.min(Math.max(lines + 1, 12), 32)}
      />
    </div>
  );
}

/** Selects line `n` of a textarea and scrolls it into view. */
function gotoLine(el: HTMLTextAreaElement | null, n: number): void {
  if (!el) return;
  const lines = el.value.split("\n");
  const start = lines.slice(0, n - 1).reduce((a, l) => a + l.length + 1, 0);
  el.focus();
  el.setSelectionRange(start, start + (lines[n - 1]?.length ?? 0));
  const lineHeight = el.scrollHeight / Math.max(1, lines.length);
  el.scrollTop = Math.max(0, (n - 3) * lineHeight);
}

// ---------------------------------------------------------------- diff

type DiffLine = { op: " " | "+" | "-"; text: string };

/** A line diff (LCS) of two texts; falls back to "all removed, all added" when too large. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split("\n");
  const y = b.split("\n");
  if (x.length * y.length > 4_000_000) return [...x.map((text) => ({ op: "-" as const, text })), ...y.map((text) => ({ op: "+" as const, text }))];
  const n = x.length;
  const m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ op: " ", text: x[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ op: "-", text: x[i++] });
    else out.push({ op: "+", text: y[j++] });
  }
  while (i < n) out.push({ op: "-", text: x[i++] });
  while (j < m) out.push({ op: "+", text: y[j++] });
  return out;
}

/** Changed lines with `context` unchanged lines around them; longer unchanged runs fold into one row. */
export function foldDiff(lines: DiffLine[], context = 3): Array<DiffLine | { op: "fold"; count: number }> {
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === " ") return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const out: Array<DiffLine | { op: "fold"; count: number }> = [];
  let folded = 0;
  lines.forEach((l, i) => {
    if (keep[i]) {
      if (folded) out.push({ op: "fold", count: folded });
      folded = 0;
      out.push(l);
    } else folded++;
  });
  if (folded) out.push({ op: "fold", count: folded });
  return out;
}

function Diff({ before, after, testId }: { before: unknown; after: unknown; testId: string }) {
  const [full, setFull] = useState(false);
  const lines = useMemo(() => diffLines(JSON.stringify(before, null, 2), JSON.stringify(after, null, 2)), [before, after]);
  const changed = lines.filter((l) => l.op !== " ").length;
  const shown = full || !changed ? lines : foldDiff(lines);
  return (
    <div>
      <p className="small muted dr-line">
        {changed ? `${changed} changed line${changed === 1 ? "" : "s"} against the original span` : "identical to the original span"}{" "}
        <button type="button" className="linklike" onClick={() => setFull(!full)} aria-expanded={full}>
          {full ? "fold unchanged lines" : changed ? "show the whole span" : "show the span"}
        </button>
      </p>
      {(full || changed > 0) && (
        <pre className="diff" data-testid={testId}>
          {shown.map((l, k) =>
            l.op === "fold" ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: a static rendering of a diff
              <div key={k} className="diff-fold">
                ⋯ {l.count} unchanged line{l.count === 1 ? "" : "s"}
              </div>
            ) : (
              // biome-ignore lint/suspicious/noArrayIndexKey: a static rendering of a diff
              <div key={k} className={l.op === "+" ? "diff-add" : l.op === "-" ? "diff-del" : "diff-same"}>
                <span aria-hidden="true">{l.op} </span>
                <span className="sr-only">{l.op === "+" ? "added: " : l.op === "-" ? "removed: " : ""}</span>
                {l.text}
              </div>
            ),
          )}
        </pre>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- dry-run

function sampleWhy(r: DryRunResult): string {
  const s = r.decisions.sample;
  if (s.mode === "none" || s.rule === null) return "no sampling rule matched (kept)";
  return `sampling rule "${s.rule}" (keep ${s.keep}, ${s.mode}) ${s.kept ? "kept" : "dropped"} it`;
}

function DryRunResultView({ result, original, destinations }: { result: DryRunResult; original: CanonicalSpan | undefined; destinations: string[] }) {
  const d = result.decisions;
  return (
    <section className="dry-result" data-testid={`dry-result-${result.span_id}`} aria-label={`Dry-run of span ${result.span_id}`}>
      <h3>
        <span className={`status ${result.kept ? "status-ok" : "status-error"}`} data-testid="dry-kept">
          {result.kept ? "kept" : "dropped"}
        </span>{" "}
        {original?.name ?? "span"} <span className="mono muted">{result.span_id}</span>
      </h3>
      <ul className="dry-why">
        <li data-testid="dry-sample">{sampleWhy(result)}</li>
        {result.kept && (
          <li data-testid="dry-routes">
            {d.routes.length ? `routes fired: ${d.routes.join(", ")}` : d.defaultRoute ? "no route matched → the default route applied" : "no routes configured: every destination receives it"}
          </li>
        )}
      </ul>
      {result.kept && (
        <div className="dest-results">
          {destinations.map((name) => {
            const out = result.destinations[name];
            const red = d.redactions[name] ?? {};
            const tr = d.transforms[name] ?? [];
            return (
              <div key={name} className={`dest-result${out ? "" : " dest-none"}`} data-testid={`dry-dest-${name}`}>
                <h4>{name}</h4>
                {!out ? (
                  <p className="muted dr-line">receives nothing (not routed here)</p>
                ) : (
                  <>
                    <p className="small dr-line">
                      {Object.keys(red).length ? (
                        <span data-testid="dry-redactions">
                          redacted:{" "}
                          {Object.entries(red)
                            .map(([k, v]) => `${k} ×${v}`)
                            .join(", ")}
                        </span>
                      ) : (
                        <span className="muted">no redaction</span>
                      )}
                      {tr.length ? <span> · transforms: {tr.join(", ")}</span> : null}
                    </p>
                    <Diff before={original ?? {}} after={out} testId={`dry-diff-${name}`} />
                  </>
                )}
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}

function DryRunPanel({ candidate, destinations, onProblems }: { candidate: string; destinations: string[]; onProblems: (p: string[]) => void }) {
  const spanId = useId();
  const traceSel = useId();
  const spanSel = useId();
  const [spanText, setSpanText] = useState("");
  const [traces, setTraces] = useState<TraceSummary[] | null>(null);
  const [traceId, setTraceId] = useState("");
  const [spans, setSpans] = useState<CanonicalSpan[]>([]);
  const [pick, setPick] = useState("");
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [results, setResults] = useState<{ results: DryRunResult[]; inputs: CanonicalSpan[] } | null>(null);

  useEffect(() => {
    api
      .traces({ limit: 20 })
      .then((p) => setTraces(p.data))
      .catch(() => setTraces([]));
  }, []);

  const chooseTrace = async (id: string) => {
    setTraceId(id);
    setSpans([]);
    setPick("");
    if (!id) return;
    try {
      const t = await api.trace(id);
      setSpans(t.spans);
      const first = t.spans[0];
      if (first) {
        setPick(first.span_id);
        setSpanText(JSON.stringify(first, null, 2));
      }
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const chooseSpan = (id: string) => {
    setPick(id);
    const s = spans.find((x) => x.span_id === id);
    if (s) setSpanText(JSON.stringify(s, null, 2));
  };

  const run = async () => {
    setError(null);
    setResults(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(spanText);
    } catch (e) {
      setError(`the span is not valid JSON: ${(e as Error).message}`);
      return;
    }
    const inputs = (Array.isArray(parsed) ? parsed : [parsed]) as CanonicalSpan[];
    setRunning(true);
    try {
      const r = await api.dryRunRules(candidate, inputs);
      setResults({ results: r.results, inputs });
      onProblems([]);
    } catch (e) {
      const problems = e instanceof ApiError ? (e.details?.problems ?? []) : [];
      if (e instanceof ApiError && e.status === 400 && problems.some((p) => p.startsWith("request:"))) {
        onProblems(problems);
        setError("the rules in the editor are invalid: see the marked lines");
      } else setError(problems.length ? `${(e as Error).message}: ${problems.join("; ")}` : (e as Error).message);
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${spanId}-h`}>
      <h2 id={`${spanId}-h`}>Dry-run</h2>
      <p className="small muted">Runs a span through the rules in the editor (saved or not) and shows what each destination would receive.</p>
      <div className="filters inline">
        <div className="field">
          <label htmlFor={traceSel}>Recent trace</label>
          <select id={traceSel} value={traceId} onChange={(e) => void chooseTrace(e.target.value)}>
            <option value="">{traces === null ? "loading…" : traces.length ? "pick a trace" : "no traces yet"}</option>
            {(traces ?? []).map((t) => (
              <option key={t.trace_id} value={t.trace_id}>
                {t.name} · {t.span_count} spans · {fmtAgo(t.start_time)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={spanSel}>Span</label>
          <select id={spanSel} value={pick} onChange={(e) => chooseSpan(e.target.value)} disabled={!spans.length}>
            {!spans.length && <option value="">—</option>}
            {spans.map((s) => (
              <option key={s.span_id} value={s.span_id}>
                {s.name} ({s.kind})
              </option>
            ))}
          </select>
        </div>
      </div>
      <label htmlFor={spanId} className="block-label">
        Span JSON (a canonical span, or an array of spans)
      </label>
      <textarea id={spanId} className="code span-input" value={spanText} onChange={(e) => setSpanText(e.target.value)} rows={10} spellCheck={false} wrap="off" />
      <div className="actions-row">
        <button type="button" className="primary" onClick={run} disabled={running || !spanText.trim()}>
          {running ? "Running…" : "Run dry-run"}
        </button>
      </div>
      <ErrorAlert error={error} />
      {results && (
        <div data-testid="dry-results">
          {results.results.length === 0 && <p className="muted">No result (the spans were buffered for tail sampling and not decided).</p>}
          {results.results.map((r) => (
            <DryRunResultView key={`${r.span_id}-${r.piece ?? ""}`} result={r} original={results.inputs.find((s) => s.span_id === r.span_id)} destinations={destinations} />
          ))}
        </div>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- history

function History({ items, persisted, onLoad }: { items: RulesHistoryEntry[] | null; persisted: boolean; onLoad: (e: RulesHistoryEntry) => void }) {
  return (
    <section className="panel" aria-labelledby="rules-history-h">
      <h2 id="rules-history-h">History</h2>
      {!persisted && <p className="small muted">Not recorded in this process.</p>}
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No change has been made through the UI or the API yet: the rules are the configuration file's.</p>
      ) : (
        <ListTable testId="rules-history" columns={["Revision", "When", "Who", { label: "Action", srOnly: true }]}>
          <tbody>
            {items.map((e) => (
              <tr key={e.revision} data-revision={e.revision} className="static">
                <td className="num">{e.revision}</td>
                <td className="nowrap" title={e.time}>
                  {fmtTime(e.time)} <span className="muted small">({fmtAgo(e.time)})</span>
                </td>
                <td data-testid="history-who">{e.who.replace(/^(user|project):/, "")}</td>
                <td>
                  <button type="button" onClick={() => onLoad(e)} aria-label={`Load revision ${e.revision} into the editor`}>
                    Load into editor
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </ListTable>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- page

export function Rules() {
  const editorId = useId();
  const problemsId = useId();
  const editorRef = useRef<HTMLTextAreaElement>(null);
  const [state, setState] = useState<RulesState | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [validation, setValidation] = useState<Validation>({ state: "unknown" });
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [history, setHistory] = useState<{ items: RulesHistoryEntry[]; persisted: boolean } | null>(null);

  const load = useCallback(async (resetText: boolean) => {
    try {
      const s = await api.rules();
      setState(s);
      if (s.available && resetText) {
        setText(s.yaml);
        setValidation({ state: "valid" });
      }
      if (s.available) api.rulesHistory().then(setHistory, () => setHistory({ items: [], persisted: false }));
    } catch (e) {
      setLoadError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void load(true);
  }, [load]);

  const problems = validation.state === "invalid" ? validation.problems : [];
  const { byLine, general } = useMemo(() => problemLines(problems), [problems]);

  const validate = async (): Promise<boolean> => {
    setValidation({ state: "checking" });
    setNotice(null);
    try {
      await api.validateRules(text);
      setValidation({ state: "valid" });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.details?.problems) setValidation({ state: "invalid", problems: e.details.problems });
      else setValidation({ state: "error", message: (e as Error).message });
      return false;
    }
  };

  if (loadError) return <div className="page error">Could not read the rules: {loadError}</div>;
  if (!state) return <div className="loading">Loading…</div>;
  if (!state.available) {
    return (
      <div className="page">
        <div className="page-head">
          <h1>Rules</h1>
        </div>
        <div className="panel" data-testid="rules-unavailable">
          <p>The rules cannot be edited here: {state.reason}.</p>
        </div>
      </div>
    );
  }

  const readOnly = !state.can_edit;
  const dirty = text !== state.yaml;
  const save = async () => {
    if (!(await validate())) return;
    setSaving(true);
    try {
      const r = await api.saveRules(text);
      setNotice(`Saved: the router now runs revision ${r.revision}${r.history_revision ? ` (history #${r.history_revision})` : ""}.`);
      const s = await api.rules();
      setState(s);
      if (s.available) {
        setText(s.yaml);
        api.rulesHistory().then(setHistory, () => {});
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.details?.problems) setValidation({ state: "invalid", problems: e.details.problems });
      else {
        setNotice(null);
        setValidation({ state: "error", message: (e as Error).message });
      }
    } finally {
      setSaving(false);
    }
  };
  const saveDisabledWhy = readOnly
    ? state.read_only_reason
    : validation.state === "invalid"
      ? "fix the problems first"
      : !dirty
        ? "no changes to save"
        : saving
          ? "saving…"
          : undefined;

  const src = state.source;
  return (
    <div className="page rules-page">
      <div className="page-head">
        <h1>Rules</h1>
        <p className="small muted" data-testid="rules-source">
          Live revision {state.revision} ·{" "}
          {src.kind === "file" ? "from the configuration file" : `set through ${src.who.startsWith("user:") ? "the UI" : "the API"} by ${src.who.replace(/^(user|project):/, "")} ${fmtAgo(src.time)}`}
        </p>
      </div>
      {readOnly && (
        <p className="readonly-note" data-testid="read-only-reason" role="note">
          Read-only: {state.read_only_reason}
        </p>
      )}
      <div className="rules-grid">
        <section className="panel" aria-labelledby="rules-editor-h">
          <h2 id="rules-editor-h">Rules (YAML)</h2>
          <p className="small muted">
            Destinations: {state.destinations.join(", ") || "none"}. Stages run in order sample → redact → route → transform. Changes apply to this router at once and survive restarts while the configuration file's
            rules stay as they are.
          </p>
          <CodeEditor
            id={editorId}
            label="Rules YAML"
            value={text}
            onChange={(v) => {
              setText(v);
              setNotice(null);
              if (validation.state !== "invalid") setValidation({ state: "unknown" });
            }}
            readOnly={readOnly}
            markers={byLine}
            describedBy={problemsId}
            editorRef={editorRef}
          />
          <div id={problemsId} aria-live="polite">
            {validation.state === "invalid" && (
              <div className="problems" data-testid="rules-problems" role="alert">
                <strong>
                  {problems.length} problem{problems.length === 1 ? "" : "s"} — the live rules are unchanged
                </strong>
                <ul>
                  {[...byLine.entries()]
                    .sort((a, b) => a[0] - b[0])
                    .flatMap(([line, msgs]) =>
                      msgs.map((m) => (
                        <li key={`${line}-${m}`}>
                          <button type="button" className="linklike" onClick={() => gotoLine(editorRef.current, line)}>
                            line {line}
                          </button>
                          : {m}
                        </li>
                      )),
                    )}
                  {general.map((m) => (
                    <li key={m}>{m}</li>
                  ))}
                </ul>
              </div>
            )}
            {validation.state === "valid" && dirty && (
              <p className="ok-note" data-testid="rules-valid">
                Valid.
              </p>
            )}
            {validation.state === "error" && <p className="error">{validation.message}</p>}
            {notice && (
              <p className="ok-note" data-testid="rules-saved">
                {notice}
              </p>
            )}
          </div>
          <div className="actions-row">
            <button type="button" onClick={validate} disabled={validation.state === "checking"}>
              {validation.state === "checking" ? "Validating…" : "Validate"}
            </button>
            <button type="button" className="primary" onClick={save} disabled={saveDisabledWhy !== undefined} title={saveDisabledWhy}>
              {saving ? "Saving…" : "Save"}
            </button>
            <button
              type="button"
              onClick={() => {
                setText(state.yaml);
                setValidation({ state: "valid" });
              }}
              disabled={!dirty}
            >
              Revert
            </button>
            {saveDisabledWhy && !readOnly && <span className="small muted">{saveDisabledWhy}</span>}
          </div>
        </section>
        <DryRunPanel candidate={text} destinations={state.destinations} onProblems={(p) => (p.length ? setValidation({ state: "invalid", problems: p }) : undefined)} />
      </div>
      <History
        items={history?.items ?? null}
        persisted={history?.persisted ?? true}
        onLoad={(e) => {
          setText(e.text);
          setValidation({ state: "unknown" });
          setNotice(`Revision ${e.revision} loaded into the editor (not saved).`);
          editorRef.current?.focus();
        }}
      />
    </div>
  );
}
