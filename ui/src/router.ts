// A tiny history-API router: the location as React state, `navigate` pushes and notifies.
import { useEffect, useState } from "react";

const EVENT = "tr:navigate";

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event(EVENT));
}

const read = () => ({ path: location.pathname, search: new URLSearchParams(location.search) });

export function useLocation(): { path: string; search: URLSearchParams } {
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener("popstate", update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return loc;
}

/** Click handler for in-app links: plain clicks navigate without a reload, modified clicks behave natively. */
export function linkClick(to: string) {
  return (e: { preventDefault(): void; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; button: number }) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
}
