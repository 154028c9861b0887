// Filters kept in the URL query string, so a view is shareable: read from the location's search params
// (an empty or absent value takes its default), written back as a query string that leaves the defaults
// out, and edited in a form that applies them by navigating. `from`/`to` count only with `range: custom`.
import { type FormEvent, useEffect, useState } from "react";
import { qs } from "./api.ts";
import { navigate } from "./router.ts";

export type Filters<K extends string> = Record<K, string>;

export interface UrlFilters<K extends string> {
  /** The page's path, e.g. `/traces`. */
  readonly base: string;
  readonly keys: readonly K[];
  /** The filters of a query string, defaults filled in. */
  parse(search: URLSearchParams): Filters<K>;
  /** The filters (and `extra` parameters) as the query string of a shareable URL, defaults left out. */
  query(f: Filters<K>, extra?: Record<string, string>): string;
}

export function urlFilters<K extends string>(base: string, keys: readonly K[], defaults: Partial<Filters<K>> = {}): UrlFilters<K> {
  return {
    base,
    keys,
    parse(search) {
      const f = {} as Filters<K>;
      for (const k of keys) f[k] = search.get(k) || defaults[k] || "";
      return f;
    },
    query(f, extra = {}) {
      const range = (f as Partial<Record<string, string>>).range;
      const o: Record<string, string> = {};
      for (const k of keys) {
        if (!f[k] || f[k] === defaults[k]) continue;
        if ((k === "from" || k === "to") && range !== "custom") continue;
        o[k] = f[k];
      }
      return qs({ ...o, ...extra });
    },
  };
}

/** The state of a filter form: edited locally, re-read when the URL changes, applied (submit) or reset by navigating. */
export function useFilterForm<K extends string>(spec: UrlFilters<K>, search: URLSearchParams) {
  const [f, setF] = useState<Filters<K>>(() => spec.parse(search));
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-sync when the URL changes
  useEffect(() => setF(spec.parse(search)), [search.toString()]);
  const set = (k: K) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`${spec.base}${spec.query(f)}`);
  };
  const reset = () => navigate(spec.base);
  return { f, set, submit, reset };
}
