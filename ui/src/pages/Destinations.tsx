// Destinations: one card per configured destination — health (colour and text), breaker, delivered /
// failed / dead-lettered counts, lag, p95, the last error and a throughput sparkline (spans/min over the
// last hour). Re-read every 5 s; the open dead-letter count links to Failed deliveries for that destination.
import { useCallback, useEffect, useState } from "react";
import { api, type DestinationStatus } from "../api.ts";
import { ErrorAlert } from "../components/PageState.tsx";
import { Sparkline } from "../components/Sparkline.tsx";
import { Term } from "../components/Term.tsx";
import { fmtAgo, fmtInt, fmtMs, fmtTime } from "../format.ts";
import { linkClick } from "../router.ts";

const REFRESH_MS = 5000;

const HEALTH_TEXT: Record<DestinationStatus["health"], string> = {
  healthy: "Healthy",
  degraded: "Degraded",
  down: "Down",
  unknown: "Unknown",
};

const BREAKER_TEXT: Record<string, string> = { closed: "closed", half_open: "half-open", open: "open" };

export function HealthBadge({ health }: { health: DestinationStatus["health"] }) {
  return (
    <span className={`health health-${health}`} data-testid="health">
      <span className="health-dot" aria-hidden="true" />
      {HEALTH_TEXT[health]}
    </span>
  );
}

export function failedDeliveriesHref(destination: string): string {
  return `/failed-deliveries?destination=${encodeURIComponent(destination)}`;
}

function DestinationCard({ d, now }: { d: DestinationStatus; now: number }) {
  const perMin = d.throughput.reduce((a, b) => a + b, 0);
  const href = failedDeliveriesHref(d.name);
  return (
    <article className={`dest-card dest-${d.health}`} data-testid={`destination-${d.name}`} aria-labelledby={`dest-h-${d.name}`}>
      <header className="dest-head">
        <h2 id={`dest-h-${d.name}`}>{d.name}</h2>
        <span className="tag">{d.type}</span>
        <HealthBadge health={d.health} />
      </header>
      <dl className="dest-stats">
        <Term label="Breaker" testId="breaker">{d.breaker ? BREAKER_TEXT[d.breaker] : "–"}</Term>
        <Term label="Delivered" testId="delivered">{fmtInt(d.delivered)}</Term>
        <Term label="Failed" testId="failed">{fmtInt(d.failed)}</Term>
        <Term label="Dead-lettered" testId="dead-lettered">{fmtInt(d.dead_lettered)}</Term>
        <Term label="Open dead letters">
          {d.dead_letters_open > 0 ? (
            <a href={href} onClick={linkClick(href)} data-testid="dead-letters-open" aria-label={`${d.dead_letters_open} open dead-lettered spans: show failed deliveries of ${d.name}`}>
              {fmtInt(d.dead_letters_open)} spans
            </a>
          ) : (
            <span data-testid="dead-letters-open">0</span>
          )}
        </Term>
        <Term label="Lag">{d.lag === null ? "–" : fmtInt(d.lag)}</Term>
        <Term label="p95">{fmtMs(d.p95_ms)}</Term>
        <Term label="Retried · pending">
          {fmtInt(d.retried)} · {fmtInt(d.pending)}
        </Term>
      </dl>
      <div className="dest-error" data-testid="last-error">
        <span className="muted small">Last error</span>
        {d.last_error ? (
          <p>
            <span className="dest-error-msg">{d.last_error.message}</span>{" "}
            <time className="muted small nowrap" dateTime={d.last_error.at} title={fmtTime(d.last_error.at)}>
              {fmtAgo(d.last_error.at, now)}
            </time>
          </p>
        ) : (
          <p className="muted">none</p>
        )}
      </div>
      <div className="dest-spark">
        <span className="muted small">
          Throughput, last hour: {fmtInt(perMin)} spans · {d.instances} instance{d.instances === 1 ? "" : "s"}
          {d.last_heartbeat_at ? ` · heartbeat ${fmtAgo(d.last_heartbeat_at, now)}` : " · no heartbeat"}
        </span>
        <Sparkline values={d.throughput} unit=" spans/min" label={`${d.name} throughput, spans per minute over the last hour: ${perMin} in total`} testId={`spark-${d.name}`} />
      </div>
    </article>
  );
}

export function Destinations() {
  const [list, setList] = useState<DestinationStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updated, setUpdated] = useState<number>(0);

  const load = useCallback(() => {
    api
      .destinations()
      .then((r) => {
        setList(r.destinations);
        setUpdated(Date.now());
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    load();
    const t = setInterval(load, REFRESH_MS);
    return () => clearInterval(t);
  }, [load]);

  return (
    <section className="page destinations">
      <div className="page-head">
        <h1>Destinations</h1>
        <p className="muted small" aria-live="off">
          Refreshes every 5 s{updated ? ` · updated ${new Date(updated).toLocaleTimeString("en-GB", { hour12: false })}` : ""}
        </p>
      </div>
      <ErrorAlert error={error} />
      {list === null && !error && <p className="loading">Loading…</p>}
      {list?.length === 0 && <p className="empty">No destinations are configured.</p>}
      <div className="dest-grid">
        {list?.map((d) => (
          <DestinationCard key={d.name} d={d} now={updated || Date.now()} />
        ))}
      </div>
    </section>
  );
}
