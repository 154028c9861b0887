// One span in full: chat messages as messages, the thinking block (collapsible), tool calls with their
// arguments, model parameters, usage (cache and reasoning tokens apart), cost, stop reason, time to first
// token, events, and the raw attributes as a searchable JSON tree.
import type { CanonicalSpan, SpanDelivery } from "../api.ts";
import { fmtInt, fmtMs, fmtTime, fmtUsd } from "../format.ts";
import { JsonTree } from "./JsonTree.tsx";
import { KindIcon } from "./SpanTree.tsx";

interface Msg {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: Array<{ id?: string | null; name: string; arguments?: unknown }>;
  tool_call_id?: string;
}

function isMessages(v: unknown): v is Msg[] {
  return Array.isArray(v) && v.length > 0 && v.every((m) => m && typeof m === "object" && typeof (m as Msg).role === "string");
}

function pretty(v: unknown): string {
  if (typeof v === "string") {
    try {
      return JSON.stringify(JSON.parse(v), null, 2);
    } catch {
      return v;
    }
  }
  return JSON.stringify(v, null, 2) ?? String(v);
}

function imageUrl(p: Record<string, unknown>): string | null {
  const iu = p.image_url;
  if (typeof iu === "string") return iu;
  if (iu && typeof iu === "object" && typeof (iu as { url?: unknown }).url === "string") return (iu as { url: string }).url;
  if ((p.type === "image" || p.modality === "image") && typeof (p.url ?? p.uri) === "string") return String(p.url ?? p.uri);
  return null;
}

function Part({ part }: { part: unknown }) {
  if (typeof part === "string") return <div className="msg-text">{part}</div>;
  if (!part || typeof part !== "object") return <pre className="code">{pretty(part)}</pre>;
  const p = part as Record<string, unknown>;
  if (p.type === "text" && typeof p.text === "string") return <div className="msg-text">{p.text}</div>;
  if (p.type === "reasoning" && typeof p.text === "string") {
    return (
      <details className="thinking">
        <summary>Thinking</summary>
        <div className="msg-text">{p.text}</div>
      </details>
    );
  }
  const url = imageUrl(p);
  if (url) {
    return (
      <figure className="msg-image">
        <img src={url} alt="message attachment" loading="lazy" referrerPolicy="no-referrer" />
        <figcaption className="mono ellipsis">{url}</figcaption>
      </figure>
    );
  }
  return <pre className="code">{pretty(p)}</pre>;
}

function ToolCall({ call }: { call: { id?: string | null; name: string; arguments?: unknown } }) {
  return (
    <div className="tool-call">
      <div className="tool-call-head">
        <span className="kind kind-tool">T</span> <strong className="tool-name">{call.name}</strong>
        {call.id && <span className="mono muted"> {call.id}</span>}
      </div>
      {call.arguments !== undefined && <pre className="code tool-args">{pretty(call.arguments)}</pre>}
    </div>
  );
}

export function Messages({ messages }: { messages: Msg[] }) {
  return (
    <div className="messages">
      {messages.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: messages have no id and never reorder
        <div key={i} className={`msg msg-${m.role}`}>
          <div className="msg-role">
            {m.role}
            {m.name ? ` · ${m.name}` : ""}
            {m.tool_call_id ? ` · result of ${m.tool_call_id}` : ""}
          </div>
          {typeof m.content === "string" ? (
            <div className="msg-text">{m.content}</div>
          ) : Array.isArray(m.content) ? (
            m.content.map((p, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: parts have no id and never reorder
              <Part key={j} part={p} />
            ))
          ) : m.content !== undefined && m.content !== null ? (
            <pre className="code">{pretty(m.content)}</pre>
          ) : null}
          {m.tool_calls?.map((c, j) => (
            <ToolCall key={c.id ?? j} call={c} />
          ))}
        </div>
      ))}
    </div>
  );
}

function Payload({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <p className="empty">–</p>;
  if (isMessages(value)) return <Messages messages={value} />;
  if (typeof value === "string") return <div className="msg-text block">{value}</div>;
  return <pre className="code">{pretty(value)}</pre>;
}

function KV({ rows }: { rows: Array<[string, React.ReactNode]> }) {
  return (
    <dl className="kv">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

const DELIVERY_LABEL: Record<SpanDelivery["status"], string> = {
  delivered: "delivered",
  pending: "on its way",
  dead_lettered: "failed",
  not_routed: "not routed",
  dropped: "sampled out",
};

/** Where this span went: per destination, from the dead letters, the live rules and the destinations' lag. */
function Deliveries({ list, rulesKnown }: { list: SpanDelivery[]; rulesKnown: boolean }) {
  return (
    <section aria-label="Delivery" data-testid="span-deliveries">
      <h3>Delivery</h3>
      <ul className="deliveries">
        {list.map((d) => (
          <li key={d.destination} data-testid={`delivery-${d.destination}`}>
            <span className="mono">{d.destination}</span> <span className={`delivery delivery-${d.status}`}>{DELIVERY_LABEL[d.status]}</span>
            {d.letter && (
              <>
                {" "}
                <a href={`/failed-deliveries?letter=${encodeURIComponent(d.letter.id)}`}>{d.letter.status === "failed" ? "dead letter" : "replayed"}</a>
                {d.letter.status === "failed" && <div className="error">{d.letter.error}</div>}
              </>
            )}
          </li>
        ))}
      </ul>
      <p className="muted small">
        {rulesKnown ? "Routing as the current rules decide it." : "This process does not run the router: every destination is assumed."} “Delivered” means the destination has caught up since; tracerelay keeps no receipt per span.
      </p>
    </section>
  );
}

export function SpanDetail({ span, deliveries }: { span: CanonicalSpan | undefined; deliveries?: { list: SpanDelivery[]; rulesKnown: boolean } }) {
  if (!span) return <p className="empty">Select a span.</p>;
  const u = span.usage;
  const c = span.cost;
  const params = span.model_parameters ?? {};
  return (
    <article className="span-detail" aria-label={`Span ${span.name}`}>
      <header>
        <h2>
          <KindIcon kind={span.kind} /> {span.name}
        </h2>
        <div className="muted">
          <span className={`status status-${span.status}`}>{span.status}</span> · {span.kind} · {fmtMs(span.duration_ms)} · {fmtTime(span.start_time)}
        </div>
        {span.status_message && (
          <p className="error" role="note">
            {span.status_message}
          </p>
        )}
      </header>

      <section aria-label="Overview">
        <KV
          rows={[
            ["Model", <span key="model" data-testid="detail-model">{span.model ?? "–"}</span>],
            ["Provider", span.provider ?? "–"],
            ["Stop reason", span.stop_reason ?? "–"],
            ["Time to first token", fmtMs(span.first_token_ms)],
            ["Span id", <span key="span-id" className="mono">{span.span_id}</span>],
            ["Service", span.service_name ?? "–"],
            ["Session", span.session_id ?? "–"],
            ["User", span.user_id ?? "–"],
            ["Environment", span.environment ?? "–"],
            ["Source", `${span.source.format}${span.source.convention ? ` / ${span.source.convention}` : ""}`],
          ]}
        />
      </section>

      {(u || c) && (
        <section aria-label="Usage and cost">
          <h3>Usage &amp; cost</h3>
          <div className="usage-grid" data-testid="usage">
            <div>
              <span>Input</span>
              <strong data-testid="usage-input">{fmtInt(u?.input_tokens)}</strong>
            </div>
            <div>
              <span>Output</span>
              <strong data-testid="usage-output">{fmtInt(u?.output_tokens)}</strong>
            </div>
            <div>
              <span>Total</span>
              <strong>{fmtInt(u?.total_tokens)}</strong>
            </div>
            <div className="cache">
              <span>Cache read</span>
              <strong data-testid="usage-cache-read">{fmtInt(u?.cache_read_tokens)}</strong>
            </div>
            <div className="cache">
              <span>Cache write</span>
              <strong>{fmtInt(u?.cache_write_tokens)}</strong>
            </div>
            <div className="reasoning">
              <span>Reasoning</span>
              <strong data-testid="usage-reasoning">{fmtInt(u?.reasoning_tokens)}</strong>
            </div>
            <div className="cost">
              <span>Cost{c ? ` (${c.source})` : ""}</span>
              <strong>{fmtUsd(c?.total_usd)}</strong>
              {c && (
                <small>
                  in {fmtUsd(c.input_usd)} · out {fmtUsd(c.output_usd)}
                </small>
              )}
            </div>
          </div>
        </section>
      )}

      {Object.keys(params).length > 0 && (
        <section aria-label="Model parameters">
          <h3>Model parameters</h3>
          <KV rows={Object.entries(params).map(([k, v]) => [k, <span key={k} className="mono">{typeof v === "string" ? v : JSON.stringify(v)}</span>])} />
        </section>
      )}

      {span.thinking && (
        <section aria-label="Thinking">
          <details className="thinking" data-testid="thinking">
            <summary>Thinking ({span.thinking.length.toLocaleString("en-US")} chars)</summary>
            <div className="msg-text">{span.thinking}</div>
          </details>
        </section>
      )}

      {span.tool_calls && span.tool_calls.length > 0 && (
        <section aria-label="Tool calls" data-testid="tool-calls">
          <h3>Tool calls</h3>
          {span.tool_calls.map((call, i) => (
            <ToolCall key={call.id ?? i} call={call} />
          ))}
        </section>
      )}

      <section aria-label="Input">
        <h3>Input</h3>
        <Payload value={span.input} />
      </section>
      <section aria-label="Output">
        <h3>Output</h3>
        <Payload value={span.output} />
      </section>

      {span.events && span.events.length > 0 && (
        <section aria-label="Events">
          <h3>Events</h3>
          <ul className="events">
            {span.events.map((ev, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: events have no id
              <li key={i}>
                <strong>{ev.name}</strong> <span className="muted">{fmtTime(ev.time)}</span>
                {ev.attributes && Object.keys(ev.attributes).length > 0 && <pre className="code">{pretty(ev.attributes)}</pre>}
              </li>
            ))}
          </ul>
        </section>
      )}

      {deliveries && deliveries.list.length > 0 && <Deliveries list={deliveries.list} rulesKnown={deliveries.rulesKnown} />}

      <section aria-label="Attributes">
        <h3>Attributes</h3>
        <JsonTree value={span.attributes ?? {}} label="attributes" />
      </section>
    </article>
  );
}
