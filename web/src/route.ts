import { type MouseEvent, useCallback, useEffect, useState } from 'react';

export type Lang = 'ko' | 'en';
export type View = 'month' | 'history' | 'member';

/** Everything the dashboard shows is named by the query string, so every view can be linked. */
export interface Route {
  view: View;
  /** `?month=` as given (may be malformed or unknown); null: the newest month. */
  month: string | null;
  member: string | null;
  lang: Lang;
}

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export function parseRoute(search: string): Route {
  const params = new URLSearchParams(search);
  const lang: Lang = params.get('lang') === 'en' ? 'en' : 'ko';
  const member = params.get('member');
  if (member) return { view: 'member', month: null, member, lang };
  if (params.get('view') === 'history') return { view: 'history', month: null, member: null, lang };
  return { view: 'month', month: params.get('month'), member: null, lang };
}

/** The query string of a route; `lang` is carried only when it is not the default. */
export function hrefFor(route: Route): string {
  const params = new URLSearchParams();
  if (route.view === 'member' && route.member) params.set('member', route.member);
  else if (route.view === 'history') params.set('view', 'history');
  else if (route.month) params.set('month', route.month);
  if (route.lang !== 'ko') params.set('lang', route.lang);
  const query = params.toString();
  return query ? `?${query}` : window.location.pathname;
}

type Listener = () => void;
const listeners = new Set<Listener>();

export function navigate(href: string): void {
  const next = new URL(href, window.location.href);
  if (next.href === window.location.href) return;
  window.history.pushState(null, '', next.href);
  for (const listener of listeners) listener();
}

/** The current route, updated on navigate() and on the browser's back/forward (popstate). */
export function useRoute(): Route {
  const [search, setSearch] = useState(() => window.location.search);
  useEffect(() => {
    const update = () => setSearch(window.location.search);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return parseRoute(search);
}

/** onClick for in-app links: a plain left click navigates in place; modified clicks keep the browser's way. */
export function useLinkHandler(): (event: MouseEvent<HTMLAnchorElement>) => void {
  return useCallback((event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(event.currentTarget.href);
  }, []);
}
