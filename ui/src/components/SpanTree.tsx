// The span tree and the waterfall, one virtualized list: each row is a span (indent, kind icon, name,
// status, cost) with its duration bar on the trace's time axis; the critical path is highlighted.
// Only the rows in view (plus a margin) are in the DOM, so a 5,000-span trace stays smooth.
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
import type { CanonicalSpan } from "../api.ts";
import { fmtMs, fmtUsd, timeMs } from "../format.ts";

export const ROW_H = 26;
const OVERSCAN = 12;

export interface TreeNode {
  span: CanonicalSpan;
  depth: number;
  start: number;
  end: number;
  children: TreeNode[];
  parent: TreeNode | null;
}

export interface TraceTree {
  roots: TreeNode[];
  byId: Map<string, TreeNode>;
  t0: number;
  t1: number;
  critical: Set<string>;
}

/** Builds the tree (orphans become roots), children by start time, and the critical path. */
export function buildTree(spans: CanonicalSpan[]): TraceTree {
  const byId = new Map<string, TreeNode>();
  for (const s of spans) {
    const start = timeMs(s.start_time) ?? 0;
    const end = timeMs(s.end_time) ?? (s.duration_ms != null ? start + s.duration_ms : start);
    byId.set(s.span_id, { span: s, depth: 0, start, end: Math.max(start, end), children: [], parent: null });
  }
  const roots: TreeNode[] = [];
  for (const n of byId.values()) {
    const p = n.span.parent_span_id ? byId.get(n.span.parent_span_id) : undefined;
    if (p && p !== n) {
      n.parent = p;
      p.children.push(n);
    } else roots.push(n);
  }
  const byStart = (a: TreeNode, b: TreeNode) => a.start - b.start || a.span.span_id.localeCompare(b.span.span_id);
  roots.sort(byStart);
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    n.depth = n.parent ? n.parent.depth + 1 : 0;
    n.children.sort(byStart);
    t0 = Math.min(t0, n.start);
    t1 = Math.max(t1, n.end);
    for (const c of n.children) stack.push(c);
  }
  if (!Number.isFinite(t0)) t0 = t1 = 0;
  // Critical path: from the root that ends last, repeatedly the child that ends last.
  const critical = new Set<string>();
  let cur: TreeNode | undefined = roots.reduce<TreeNode | undefined>((best, r) => (!best || r.end > best.end ? r : best), undefined);
  while (cur) {
    critical.add(cur.span.span_id);
    cur = cur.children.reduce<TreeNode | undefined>((best, c) => (!best || c.end > best.end ? c : best), undefined);
  }
  return { roots, byId, t0, t1, critical };
}

const KIND_GLYPH: Record<string, string> = {
  agent: "A",
  chain: "C",
  llm: "L",
  tool: "T",
  retrieval: "R",
  embedding: "E",
  rerank: "K",
  guardrail: "G",
  event: "•",
  custom: "·",
};

export function KindIcon({ kind }: { kind: string }) {
  return (
    <span className={`kind kind-${kind}`} role="img" aria-label={kind} title={kind}>
      {KIND_GLYPH[kind] ?? "·"}
    </span>
  );
}

function spanCost(s: CanonicalSpan): number | undefined {
  return s.cost?.total_usd ?? (s.cost ? (s.cost.input_usd ?? 0) + (s.cost.output_usd ?? 0) : undefined);
}

export function SpanTree({
  tree,
  selected,
  onSelect,
  onOpen,
}: {
  tree: TraceTree;
  selected: string | null;
  onSelect: (id: string) => void;
  onOpen: (id: string) => void;
}) {
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const box = useRef<HTMLDivElement>(null);

  const rows = useMemo(() => {
    const out: TreeNode[] = [];
    const stack = [...tree.roots].reverse();
    while (stack.length) {
      const n = stack.pop()!;
      out.push(n);
      if (!collapsed.has(n.span.span_id)) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }, [tree, collapsed]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 600));
    ro.observe(el);
    setHeight(el.clientHeight || 600);
    return () => ro.disconnect();
  }, []);

  const index = selected ? rows.findIndex((r) => r.span.span_id === selected) : -1;

  const scrollTo = (i: number) => {
    const el = box.current;
    if (!el) return;
    const top = i * ROW_H;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_H - el.clientHeight;
  };

  const toggle = (id: string, open?: boolean) =>
    setCollapsed((c) => {
      const next = new Set(c);
      const isOpen = !c.has(id);
      if ((open ?? !isOpen) === true) next.delete(id);
      else next.add(id);
      return next;
    });

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const move = (i: number) => {
      const j = Math.max(0, Math.min(rows.length - 1, i));
      if (rows[j]) {
        onSelect(rows[j].span.span_id);
        scrollTo(j);
      }
    };
    const cur = index >= 0 ? rows[index] : undefined;
    switch (e.key) {
      case "ArrowDown":
        move(index + 1);
        break;
      case "ArrowUp":
        move(index - 1);
        break;
      case "Home":
        move(0);
        break;
      case "End":
        move(rows.length - 1);
        break;
      case "PageDown":
        move(index + Math.floor(height / ROW_H));
        break;
      case "PageUp":
        move(index - Math.floor(height / ROW_H));
        break;
      case "ArrowRight":
        if (cur?.children.length && collapsed.has(cur.span.span_id)) toggle(cur.span.span_id, true);
        else if (cur?.children.length) move(index + 1);
        break;
      case "ArrowLeft":
        if (cur?.children.length && !collapsed.has(cur.span.span_id)) toggle(cur.span.span_id, false);
        else if (cur?.parent) move(rows.indexOf(cur.parent));
        break;
      case "Enter":
        if (cur) onOpen(cur.span.span_id);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_H) + OVERSCAN);
  const span = Math.max(tree.t1 - tree.t0, 0.001);
  const ticks = [0, 0.25, 0.5, 0.75, 1];

  return (
    <div className="span-tree">
      <div className="tree-head" aria-hidden="true">
        <div className="tree-cell">Span</div>
        <div className="wf-cell wf-axis">
          {ticks.map((t) => (
            <span key={t} style={{ left: `${t * 100}%` }}>
              {fmtMs(t * span)}
            </span>
          ))}
        </div>
      </div>
      <div
        ref={box}
        className="tree-scroll"
        role="tree"
        aria-label="Span tree and waterfall"
        tabIndex={0}
        aria-activedescendant={selected ? `row-${selected}` : undefined}
        onKeyDown={onKey}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        data-row-count={rows.length}
      >
        <div style={{ height: rows.length * ROW_H, position: "relative" }}>
          {rows.slice(first, last).map((n, k) => {
            const i = first + k;
            const s = n.span;
            const id = s.span_id;
            const cost = spanCost(s);
            const left = ((n.start - tree.t0) / span) * 100;
            const width = Math.max(((n.end - n.start) / span) * 100, 0.2);
            const crit = tree.critical.has(id);
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard is handled by the tree (aria-activedescendant)
              <div
                key={id}
                id={`row-${id}`}
                role="treeitem"
                tabIndex={-1}
                aria-level={n.depth + 1}
                aria-selected={id === selected}
                aria-expanded={n.children.length ? !collapsed.has(id) : undefined}
                className={`tree-row${id === selected ? " selected" : ""}${crit ? " critical" : ""}`}
                style={{ transform: `translateY(${i * ROW_H}px)`, height: ROW_H }}
                data-span-id={id}
                onClick={() => {
                  onSelect(id);
                  onOpen(id);
                }}
              >
                <div className="tree-cell" style={{ paddingLeft: 4 + Math.min(n.depth, 40) * 14 }}>
                  {n.children.length ? (
                    <button
                      type="button"
                      className="caret"
                      tabIndex={-1}
                      aria-label={collapsed.has(id) ? "expand" : "collapse"}
                      onClick={(e) => {
                        e.stopPropagation();
                        toggle(id);
                      }}
                    >
                      {collapsed.has(id) ? "▸" : "▾"}
                    </button>
                  ) : (
                    <span className="caret-space" />
                  )}
                  <KindIcon kind={s.kind} />
                  <span className="span-name" title={s.name}>
                    {s.name}
                  </span>
                  {s.status === "error" && <span className="dot-error" title="error" role="img" aria-label="error" />}
                  {cost !== undefined && cost > 0 && <span className="span-cost">{fmtUsd(cost)}</span>}
                </div>
                <div className="wf-cell">
                  <div
                    className={`wf-bar kind-bg-${s.kind}${s.status === "error" ? " err" : ""}${crit ? " crit" : ""}`}
                    style={{ left: `${left}%`, width: `${width}%` }}
                    title={`${s.name}: ${fmtMs(n.end - n.start)}${crit ? " (critical path)" : ""}`}
                  />
                  <span className="wf-label" style={left + width > 80 ? { right: `calc(${100 - left}% + 4px)` } : { left: `calc(${left + width}% + 4px)` }}>
                    {fmtMs(n.end - n.start)}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
      <p className="legend">
        <span className="legend-crit" /> critical path · ↑↓ move · ←→ collapse/expand · Enter open
      </p>
    </div>
  );
}
