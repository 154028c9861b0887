// A JSON value as a collapsible tree, with a search box that narrows it to the matching leaves.
import { useId, useMemo, useState } from "react";

function Leaf({ value }: { value: unknown }) {
  if (value === null) return <span className="j-null">null</span>;
  if (typeof value === "string") return <span className="j-str">"{value}"</span>;
  if (typeof value === "number") return <span className="j-num">{value}</span>;
  if (typeof value === "boolean") return <span className="j-bool">{String(value)}</span>;
  return <span>{String(value)}</span>;
}

function Node({ name, value, depth }: { name: string; value: unknown; depth: number }) {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
    return (
      <details open={depth < 2} className="j-node">
        <summary>
          <span className="j-key">{name}</span> <span className="j-meta">{Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}</span>
        </summary>
        <div className="j-children">
          {entries.map(([k, v]) => (
            <Node key={k} name={k} value={v} depth={depth + 1} />
          ))}
        </div>
      </details>
    );
  }
  return (
    <div className="j-leaf">
      <span className="j-key">{name}</span>: <Leaf value={value} />
    </div>
  );
}

function flatten(value: unknown, path: string, out: Array<[string, unknown]>): void {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.push([path, value]);
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
  } else out.push([path, value]);
}

export function JsonTree({ value, label }: { value: unknown; label: string }) {
  const [q, setQ] = useState("");
  const id = useId();
  const leaves = useMemo(() => {
    const out: Array<[string, unknown]> = [];
    flatten(value, "", out);
    return out;
  }, [value]);
  const needle = q.trim().toLowerCase();
  const hits = needle ? leaves.filter(([p, v]) => p.toLowerCase().includes(needle) || JSON.stringify(v)?.toLowerCase().includes(needle)) : [];
  return (
    <div className="json-tree">
      <label htmlFor={id} className="sr-only">
        Search {label}
      </label>
      <input id={id} type="search" placeholder={`Search ${label}…`} value={q} onChange={(e) => setQ(e.target.value)} />
      {needle ? (
        <div className="j-hits">
          {hits.length === 0 && <p className="empty">No match.</p>}
          {hits.map(([p, v]) => (
            <div key={p} className="j-leaf">
              <span className="j-key">{p}</span>: {typeof v === "object" && v !== null ? JSON.stringify(v) : <Leaf value={v} />}
            </div>
          ))}
        </div>
      ) : value !== null && typeof value === "object" ? (
        Object.keys(value as object).length === 0 ? (
          <p className="empty">(empty)</p>
        ) : (
          Object.entries(value as Record<string, unknown>).map(([k, v]) => <Node key={k} name={k} value={v} depth={1} />)
        )
      ) : (
        <Leaf value={value} />
      )}
    </div>
  );
}
