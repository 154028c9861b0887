// Sessions: the list (cursor paging) and a session view showing its traces in order, conversation-style
// (what the user asked, what the assistant answered), each linking to its trace.
import { useEffect, useState } from "react";
import { api, type CanonicalSpan, type SessionDetail, type SessionSummary, type TraceDetail } from "../api.ts";
import { fmtInt, fmtMs, fmtTime, fmtUsd } from "../format.ts";
import { FilterActions } from "../components/FilterFields.tsx";
import { columnsWith, ErrorAlert, ListTable, LoadMore } from "../components/PageState.tsx";
import { linkClick, navigate } from "../router.ts";
import { rowKeys, StatusBadge } from "./Traces.tsx";

const SESSION_COLUMNS = ["Session", "User", "Last activity", ...columnsWith("num", "Traces", "Duration", "Tokens", "Cost")];

export function SessionList({ search }: { search: URLSearchParams }) {
  const [rows, setRows] = useState<SessionSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const user = search.get("user_id") ?? "";
  const [userInput, setUserInput] = useState(user);

  useEffect(() => {
    setLoading(true);
    api
      .sessions({ user_id: user || undefined, limit: 50 })
      .then((p) => {
        setRows(p.data);
        setCursor(p.next_cursor);
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  }, [user]);

  const more = async () => {
    if (!cursor) return;
    setLoading(true);
    const p = await api.sessions({ user_id: user || undefined, limit: 50, cursor }).catch((e: Error) => {
      setError(e.message);
      return null;
    });
    if (p) {
      setRows((r) => [...r, ...p.data]);
      setCursor(p.next_cursor);
    }
    setLoading(false);
  };
  const open = (id: string) => navigate(`/sessions/${encodeURIComponent(id)}`);

  return (
    <section className="page">
      <div className="page-head">
        <h1>Sessions</h1>
      </div>
      <form
        className="filters"
        aria-label="Session filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(userInput ? `/sessions?user_id=${encodeURIComponent(userInput)}` : "/sessions");
        }}
      >
        <div className="field">
          <label htmlFor="s-user">User</label>
          <input id="s-user" value={userInput} onChange={(e) => setUserInput(e.target.value)} />
        </div>
        <FilterActions />
      </form>
      <ErrorAlert error={error} />
      <ListTable label="Sessions" columns={SESSION_COLUMNS} empty={!loading && rows.length === 0 && "No sessions."}>
        <tbody data-rows>
          {rows.map((s) => (
            <tr key={s.session_id} data-row tabIndex={0} onClick={() => open(s.session_id)} onKeyDown={(e) => rowKeys(e, () => open(s.session_id))}>
              <td className="mono ellipsis">{s.session_id}</td>
              <td className="ellipsis">{s.user_id ?? "–"}</td>
              <td className="nowrap">{fmtTime(s.end_time)}</td>
              <td className="num">{fmtInt(s.trace_count)}</td>
              <td className="num">{fmtMs(s.duration_ms)}</td>
              <td className="num">{fmtInt(s.total_tokens)}</td>
              <td className="num">{fmtUsd(s.total_cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </ListTable>
      <LoadMore loading={loading} cursor={cursor} onMore={more} />
    </section>
  );
}

/** Text of a message's content (string or text parts). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p) => (typeof p === "string" ? p : p && typeof p === "object" && (p as { type?: string }).type === "text" ? String((p as { text?: unknown }).text ?? "") : ""))
      .filter(Boolean)
      .join("\n");
  return "";
}

/** The turn of a trace: the last user message going in, the final assistant text coming out. */
function turnOf(t: TraceDetail): { ask: string; answer: string } {
  const llm = t.spans.filter((s: CanonicalSpan) => s.kind === "llm");
  const firstIn = llm[0]?.input ?? t.spans[0]?.input;
  const lastOut = llm[llm.length - 1]?.output ?? t.spans[0]?.output;
  let ask = "";
  if (Array.isArray(firstIn)) {
    const users = firstIn.filter((m) => m && typeof m === "object" && (m as { role?: string }).role === "user");
    ask = textOf((users[users.length - 1] as { content?: unknown } | undefined)?.content);
  } else if (typeof firstIn === "string") ask = firstIn;
  let answer = "";
  if (Array.isArray(lastOut)) answer = lastOut.map((m) => textOf((m as { content?: unknown })?.content)).join("\n");
  else if (typeof lastOut === "string") answer = lastOut;
  return { ask, answer };
}

export function SessionView({ sessionId }: { sessionId: string }) {
  const [session, setSession] = useState<SessionDetail | null>(null);
  const [details, setDetails] = useState<Record<string, TraceDetail>>({});
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setSession(null);
    api
      .session(sessionId)
      .then(async (s) => {
        if (!live) return;
        setSession(s);
        // the turns' text, a few traces at a time (the first 100 traces)
        const queue = s.traces.slice(0, 100).map((t) => t.trace_id);
        const worker = async () => {
          for (let id = queue.shift(); id && live; id = queue.shift()) {
            const d = await api.trace(id).catch(() => null);
            if (d && live) setDetails((x) => ({ ...x, [id]: d }));
          }
        };
        await Promise.all([worker(), worker(), worker()]);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [sessionId]);

  return (
    <section className="page session-view">
      <div className="page-head">
        <h1>
          Session <span className="mono" data-testid="session-id">{sessionId}</span>
        </h1>
        <a href="/sessions" onClick={linkClick("/sessions")}>
          ← All sessions
        </a>
      </div>
      <ErrorAlert error={error} />
      {session && (
        <>
          <div className="trace-stats">
            <span>user {session.user_id ?? "–"}</span>
            <span>{fmtInt(session.trace_count)} traces</span>
            <span>{fmtMs(session.duration_ms)}</span>
            <span>{fmtInt(session.total_tokens)} tokens</span>
            <span>{fmtUsd(session.total_cost_usd)}</span>
            <span>
              {fmtTime(session.start_time)} → {fmtTime(session.end_time)}
            </span>
          </div>
          <ol className="conversation" data-rows>
            {session.traces.map((t, i) => {
              const d = details[t.trace_id];
              const turn = d ? turnOf(d) : null;
              return (
                <li key={t.trace_id} className="turn" data-testid="session-turn">
                  <div className="turn-head">
                    <span className="muted">#{i + 1}</span>
                    <a href={`/traces/${t.trace_id}`} onClick={linkClick(`/traces/${t.trace_id}`)} data-row>
                      {t.name}
                    </a>
                    <span className="muted small">
                      {fmtTime(t.start_time)} · {fmtMs(t.duration_ms)} · {fmtInt(t.total_tokens)} tokens · {fmtUsd(t.total_cost_usd)}
                    </span>
                    <StatusBadge status={t.status} />
                  </div>
                  {turn?.ask && (
                    <div className="msg msg-user">
                      <div className="msg-role">user</div>
                      <div className="msg-text">{turn.ask}</div>
                    </div>
                  )}
                  {turn?.answer && (
                    <div className="msg msg-assistant">
                      <div className="msg-role">assistant</div>
                      <div className="msg-text">{turn.answer}</div>
                    </div>
                  )}
                  {!d && <p className="muted small">Loading turn…</p>}
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}
