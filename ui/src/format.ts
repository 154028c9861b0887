// Display formatting shared by the pages.
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function fmtUsd(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (v === 0) return "$0";
  if (v < 0.01) return `$${v.toFixed(6)}`;
  return `$${v.toFixed(4)}`;
}

export function fmtInt(v: number | null | undefined): string {
  return v === null || v === undefined ? "–" : v.toLocaleString("en-US");
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en-GB", { hour12: false });
}

export function timeMs(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  // keep the microseconds the API writes (…ss.ffffffZ): Date.parse drops them
  const m = iso.match(/\.(\d{3})(\d{1,3})Z$/);
  return m ? t + Number(m[2].padEnd(3, "0")) / 1000 : t;
}

export const RANGE_PRESETS: Array<{ value: string; label: string; ms: number }> = [
  { value: "15m", label: "Last 15 minutes", ms: 15 * 60_000 },
  { value: "1h", label: "Last hour", ms: 3_600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { value: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
];

/** from/to (RFC 3339) for a preset or a custom range (datetime-local values). */
export function rangeFor(range: string, from?: string | null, to?: string | null): { from?: string; to?: string } {
  if (range === "custom") {
    const f = from ? new Date(from) : null;
    const t = to ? new Date(to) : null;
    return { from: f && !Number.isNaN(f.getTime()) ? f.toISOString() : undefined, to: t && !Number.isNaN(t.getTime()) ? t.toISOString() : undefined };
  }
  const p = RANGE_PRESETS.find((r) => r.value === range) ?? RANGE_PRESETS[2];
  return { from: new Date(Date.now() - p.ms).toISOString() };
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago" (relative to `now`). */
export function fmtAgo(iso: string | null | undefined, now = Date.now()): string {
  const t = timeMs(iso);
  if (t === null) return "–";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
