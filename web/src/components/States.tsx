import { type ReactNode, useEffect, useRef } from 'react';
import { ApiError } from '../api';
import { useStrings } from '../i18n';

/** Placeholder blocks in the shape of the page, announced as busy. */
export function Loading() {
  const t = useStrings();
  return (
    <div className="loading" aria-busy="true" aria-live="polite" data-state="loading">
      <p className="sr-only">{t.loading}</p>
      <div className="skeleton skeleton-title" />
      <div className="figures">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="skeleton skeleton-figure" />
        ))}
      </div>
      <div className="skeleton skeleton-chart" />
      <div className="skeleton skeleton-table" />
    </div>
  );
}

export function ErrorState({
  error,
  onRetry,
  topLevel = false,
}: {
  error: unknown;
  onRetry: () => void;
  topLevel?: boolean;
}) {
  const t = useStrings();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const detail =
    error instanceof ApiError ? `HTTP ${error.status}` : error instanceof Error ? error.message : '';
  return (
    <div className="notice notice-error" role="alert" data-state="error" tabIndex={-1} ref={ref}>
      <div className="notice-icon" aria-hidden="true">
        !
      </div>
      {topLevel ? <h1>{t.errorTitle}</h1> : <h2>{t.errorTitle}</h2>}
      <p>{t.errorBody}</p>
      {detail && <p className="notice-detail">{detail}</p>}
      <button type="button" className="button button-primary" onClick={onRetry}>
        {t.retry}
      </button>
    </div>
  );
}

/** A whole-page state (top level: its title is the page's h1) or a state inside a titled page. */
export function Notice(props: {
  state: string;
  title: string;
  children?: ReactNode;
  icon?: string;
  topLevel?: boolean;
}) {
  return (
    <div className="notice" data-state={props.state}>
      <div className="notice-icon" aria-hidden="true">
        {props.icon ?? 'i'}
      </div>
      {props.topLevel ? <h1>{props.title}</h1> : <h2>{props.title}</h2>}
      {props.children}
    </div>
  );
}
