import { useCallback, useEffect, useState } from 'react';
import type { History, MonthStats } from './types';

/** Build-time API origin (VITE_API_BASE_URL); '' means the dashboard's own origin. */
const BASE = (import.meta.env.VITE_API_BASE_URL ?? '').replace(/\/+$/, '');

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A plain GET with no custom headers, so a cross-origin API needs no CORS preflight. */
async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${BASE}${path}`);
  if (!res.ok) throw new ApiError(res.status, `GET ${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export const api = {
  months: () => getJson<string[]>('/api/months'),
  stats: (month: string) => getJson<MonthStats>(`/api/stats?month=${encodeURIComponent(month)}`),
  history: () => getJson<History>('/api/history'),
};

/** Settled and in-flight requests by key, so going back to a view is instant; a retry drops the entry. */
const cache = new Map<string, Promise<unknown>>();
/** Answers already received, read synchronously so a cached view renders without a loading flash. */
const settled = new Map<string, unknown>();

function load<T>(key: string, loader: () => Promise<T>): Promise<T> {
  let pending = cache.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = loader();
    cache.set(key, pending);
    pending.then(
      (data) => settled.set(key, data),
      () => cache.delete(key),
    );
  }
  return pending;
}

export type Resource<T> =
  | { status: 'loading'; retry: () => void }
  | { status: 'error'; error: unknown; retry: () => void }
  | { status: 'ready'; data: T; retry: () => void };

/** Loads `key` with `loader` (null: nothing to load, stays loading). */
export function useResource<T>(key: string | null, loader: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ key: string | null; data?: T; error?: unknown; done: boolean }>({
    key: null,
    done: false,
  });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names what the loader loads.
  useEffect(() => {
    if (key === null) return;
    let live = true;
    load(key, loader).then(
      (data) => live && setState({ key, data, done: true }),
      (error: unknown) => live && setState({ key, error, done: true }),
    );
    return () => {
      live = false;
    };
  }, [key, attempt]);

  const retry = useCallback(() => {
    if (key !== null) {
      cache.delete(key);
      settled.delete(key);
    }
    setState({ key, done: false });
    setAttempt((n) => n + 1);
  }, [key]);

  if (state.key !== key || !state.done) {
    if (key !== null && settled.has(key)) return { status: 'ready', data: settled.get(key) as T, retry };
    return { status: 'loading', retry };
  }
  if (state.error !== undefined) return { status: 'error', error: state.error, retry };
  return { status: 'ready', data: state.data as T, retry };
}

/** Drops every cached answer (a retry of a whole view after an error). */
export function clearApiCache(): void {
  cache.clear();
  settled.clear();
}
