import { useEffect, useRef } from 'react';
import { Link } from './components/Link';
import { StringsContext, strings } from './i18n';
import { type Route, useRoute } from './route';
import { HistoryView } from './views/HistoryView';
import { MemberView } from './views/MemberView';
import { MonthView } from './views/MonthView';

function Header({ route }: { route: Route }) {
  const t = strings[route.lang];
  const other = route.lang === 'ko' ? 'en' : 'ko';
  return (
    <header className="site-header">
      <div className="container header-inner">
        <Link to={{ ...route, view: 'month', month: null, member: null }} className="brand">
          <span className="brand-mark" aria-hidden="true">
            TIL
          </span>
          <span className="brand-text">
            <span className="brand-name">{t.appName}</span>
            <span className="brand-tagline">{t.tagline}</span>
          </span>
        </Link>
        <nav aria-label={t.navLabel} className="tabs">
          <Link
            to={{ ...route, view: 'month', member: null, month: route.view === 'month' ? route.month : null }}
            current={route.view === 'month'}
            className="tab"
          >
            {t.navMonth}
          </Link>
          <Link
            to={{ ...route, view: 'history', member: null, month: null }}
            current={route.view === 'history'}
            className="tab"
          >
            {t.navHistory}
          </Link>
        </nav>
        <LangLink route={route} lang={other} label={t.switchLanguage} />
      </div>
    </header>
  );
}

function LangLink({ route, lang, label }: { route: Route; lang: Route['lang']; label: string }) {
  return (
    <Link to={{ ...route, lang }} className="lang-switch">
      <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm6.9 6h-2.95a15.7 15.7 0 0 0-1.38-3.56A8.03 8.03 0 0 1 18.9 8ZM12 4.04c.83 1.2 1.48 2.53 1.91 3.96h-3.82c.43-1.43 1.08-2.76 1.91-3.96ZM4.26 14a8.2 8.2 0 0 1 0-4h3.38a16.5 16.5 0 0 0 0 4H4.26Zm.82 2h2.95c.32 1.25.78 2.45 1.38 3.56A8 8 0 0 1 5.08 16Zm2.95-8H5.08a8 8 0 0 1 4.33-3.56A15.7 15.7 0 0 0 8.03 8ZM12 19.96A14.1 14.1 0 0 1 10.09 16h3.82A14.1 14.1 0 0 1 12 19.96ZM14.34 14H9.66a14.7 14.7 0 0 1 0-4h4.68a14.7 14.7 0 0 1 0 4Zm.25 5.56c.6-1.11 1.06-2.31 1.38-3.56h2.95a8.03 8.03 0 0 1-4.33 3.56ZM16.36 14a16.5 16.5 0 0 0 0-4h3.38a8.2 8.2 0 0 1 0 4h-3.38Z"
        />
      </svg>
      <span lang={lang}>{label}</span>
    </Link>
  );
}

export function App() {
  const route = useRoute();
  const t = strings[route.lang];
  const mainRef = useRef<HTMLElement>(null);
  const viewKey = `${route.view}:${route.member ?? ''}`;
  const lastViewKey = useRef(viewKey);

  useEffect(() => {
    document.documentElement.lang = route.lang;
  }, [route.lang]);

  // Moving to another view (not another month) puts focus at the top of the new content, as a page load would.
  useEffect(() => {
    if (lastViewKey.current === viewKey) return;
    lastViewKey.current = viewKey;
    window.scrollTo(0, 0);
    mainRef.current?.focus({ preventScroll: true });
  }, [viewKey]);

  return (
    <StringsContext.Provider value={t}>
      <a className="skip-link" href="#main">
        {t.skipToContent}
      </a>
      <Header route={route} />
      <main id="main" ref={mainRef} tabIndex={-1} className="container">
        {route.view === 'history' ? (
          <HistoryView route={route} />
        ) : route.view === 'member' ? (
          <MemberView key={route.member} route={route} />
        ) : (
          <MonthView route={route} />
        )}
      </main>
      <footer className="site-footer">
        <div className="container">
          <p>{t.dataNote}</p>
        </div>
      </footer>
    </StringsContext.Provider>
  );
}
