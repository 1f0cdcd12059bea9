import { useEffect } from 'react';
import { useStrings } from './i18n';

/** document.title: "<page> · TIL 챌린지". */
export function useTitle(page: string): void {
  const t = useStrings();
  useEffect(() => {
    document.title = page ? `${page} · ${t.appName}` : t.appName;
  }, [page, t]);
}
