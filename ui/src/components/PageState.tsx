// The states around a page's data, the same on every page: a request's error (announced as an alert),
// a list's table with its "nothing here" line, and the paging footer ("Loading…" / "Load more").
import type { ReactNode } from "react";

/** A request's error, announced; nothing without one. */
export function ErrorAlert({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

/** A column heading: plain text, or with a class (`num`, `hide-narrow`…), read to screen readers only, or any content (then with a `key`). */
export type Column = string | { label: ReactNode; key?: string; className?: string; srOnly?: boolean };

/** Columns of one class, e.g. `columnsWith("num", "Spans", "Tokens")`. */
export function columnsWith(className: string, ...labels: string[]): Column[] {
  return labels.map((label) => ({ label, className }));
}

/** A list table (scrolls sideways on its own when too wide); `children` is its `<tbody>`; `empty`, when truthy, is shown below it. */
export function ListTable({ label, testId, columns, children, empty }: { label?: string; testId?: string; columns: Column[]; children: ReactNode; empty?: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="list" aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => {
              const { label, key, className, srOnly } = typeof c === "string" ? { label: c, key: c, className: undefined, srOnly: false } : c;
              return (
                <th key={key ?? String(label)} className={className}>
                  {srOnly ? <span className="sr-only">{label}</span> : label}
                </th>
              );
            })}
          </tr>
        </thead>
        {children}
      </table>
      {empty ? <p className="empty">{empty}</p> : null}
    </div>
  );
}

/** Under a paged list: "Loading…" while a page is read, else "Load more" while there is a next page. */
export function LoadMore({ loading, cursor, onMore }: { loading: boolean; cursor: string | null; onMore: () => unknown }) {
  return (
    <div className="more">
      {loading && <span>Loading…</span>}
      {cursor && !loading && (
        <button type="button" onClick={onMore}>
          Load more
        </button>
      )}
    </div>
  );
}
