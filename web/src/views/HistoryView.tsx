import { useId, useMemo } from 'react';
import { api, useResource } from '../api';
import { Chart } from '../components/Chart';
import { type Column, DataTable } from '../components/DataTable';
import { Figures } from '../components/Figures';
import { Link } from '../components/Link';
import { memberNameColumn } from '../components/memberNameColumn';
import { ErrorState, Loading, Notice } from '../components/States';
import { formatNumber, monthName, monthParts, monthShort } from '../format';
import { type Strings, useStrings } from '../i18n';
import type { Route } from '../route';
import type { History, HistoryMember, HistoryMonth } from '../types';
import { useTitle } from '../useTitle';

export function historyFigures(history: History) {
  return {
    months: history.months.length,
    members: history.members.filter((m) => m.weeksTakenPart > 0).length,
    submissions: history.months.reduce((sum, m) => sum + m.submissions, 0),
    likes: history.months.reduce((sum, m) => sum + m.likes, 0),
  };
}

/** The history view: every month's participation and likes, challengers per month, members' streaks. */
export function HistoryView({ route }: { route: Route }) {
  const t = useStrings();
  const history = useResource('history', api.history);
  const headingId = useId();
  useTitle(t.historyHeading);
  return (
    <article aria-labelledby={headingId} data-view="history">
      <div className="page-head">
        <div>
          <p className="eyebrow">{t.appName}</p>
          <h1 id={headingId}>{t.historyHeading}</h1>
          <p className="lead">{t.historyLead}</p>
        </div>
      </div>
      {history.status === 'loading' && <Loading />}
      {history.status === 'error' && <ErrorState error={history.error} onRetry={history.retry} />}
      {history.status === 'ready' &&
        (history.data.months.length === 0 ? (
          <Notice state="empty" title={t.emptyTitle} icon="✎">
            <p>{t.emptyBody}</p>
          </Notice>
        ) : (
          <HistoryBody history={history.data} route={route} />
        ))}
    </article>
  );
}

function HistoryBody({ history, route }: { history: History; route: Route }) {
  const t = useStrings();
  const figures = historyFigures(history);
  return (
    <>
      <Figures
        heading={t.figures}
        figures={[
          { key: 'months', label: t.monthsCount, value: figures.months, tone: 'accent' },
          { key: 'members', label: t.allMembers, value: figures.members },
          { key: 'submissions', label: t.totalSubmissions, value: figures.submissions },
          { key: 'likes', label: t.totalLikes, value: figures.likes, tone: 'warm' },
        ]}
      />
      <MonthsCard history={history} route={route} />
      <StreaksCard history={history} route={route} />
    </>
  );
}

function monthColumns(t: Strings, history: History, route: Route): Column<HistoryMonth>[] {
  const names = new Map(history.members.map((m) => [m.userId, m.name]));
  return [
    {
      key: 'month',
      label: t.monthColumn,
      card: 'head',
      render: (m) => (
        <Link to={{ ...route, view: 'month', month: m.month, member: null }} className="member-link">
          {monthName(t, m.month)}
        </Link>
      ),
    },
    {
      key: 'weeks',
      label: t.weeksColumn,
      numeric: true,
      render: (m) => <span data-value={m.weeks}>{m.weeks}</span>,
    },
    {
      key: 'participants',
      label: t.participants,
      numeric: true,
      render: (m) => <span data-value={m.participants}>{formatNumber(t, m.participants)}</span>,
    },
    {
      key: 'submissions',
      label: t.submissions,
      numeric: true,
      render: (m) => <span data-value={m.submissions}>{formatNumber(t, m.submissions)}</span>,
    },
    {
      key: 'likes',
      label: t.likes,
      numeric: true,
      render: (m) => <span data-value={m.likes}>{formatNumber(t, m.likes)}</span>,
    },
    {
      key: 'challengers',
      label: t.challengersColumn,
      card: 'wide',
      render: (m) =>
        m.challengers.length === 0 ? (
          <span className="muted">{t.noChallengers}</span>
        ) : (
          <ul className="name-chips" aria-label={t.challengersColumn}>
            {m.challengers.map((id) => {
              const special = m.specialChallengers.includes(id);
              return (
                <li key={id} className={special ? 'chip chip-special' : 'chip'} data-user={id}>
                  <Link to={{ ...route, view: 'member', member: id, month: null }}>
                    {names.get(id) ?? id}
                  </Link>
                  {special && (
                    <span className="star" role="img" aria-label={t.specialChallenger}>
                      ★
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        ),
    },
  ];
}

function MonthsCard({ history, route }: { history: History; route: Route }) {
  const t = useStrings();
  const headingId = useId();
  const tableId = useId();
  const chart = useMemo(() => {
    const oldestFirst = [...history.months].reverse();
    return {
      labels: oldestFirst.map((m, i) => {
        const [year, mon] = monthParts(m.month);
        const previous = oldestFirst[i - 1];
        const showYear = i === 0 || mon === 1 || (previous && monthParts(previous.month)[0] !== year);
        return showYear ? `${monthShort(t, m.month)}\n${year}` : monthShort(t, m.month);
      }),
      bars: oldestFirst.map((m) => m.participants),
      line: oldestFirst.map((m) => m.likes),
      titles: oldestFirst.map((m) => monthName(t, m.month)),
    };
  }, [history, t]);
  const columns = useMemo(() => monthColumns(t, history, route), [t, history, route]);
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t.historyChartTitle}</h2>
      <Chart
        {...chart}
        barsLabel={t.participants}
        lineLabel={t.likes}
        ariaLabel={t.historyChartAria}
        describedBy={tableId}
      />
      <DataTable
        id={tableId}
        caption={t.historyChartTitle}
        captionHidden
        rows={history.months}
        columns={columns}
        rowKey={(m) => m.month}
        className="months-table"
      />
    </section>
  );
}

function streakColumns(t: Strings, route: Route): Column<HistoryMember>[] {
  const number =
    (value: (m: HistoryMember) => number, unit?: (n: number) => string) => (m: HistoryMember) => (
      <span data-value={value(m)}>{unit ? unit(value(m)) : formatNumber(t, value(m))}</span>
    );
  return [
    memberNameColumn<HistoryMember>(t.name, route),
    {
      key: 'currentStreak',
      label: t.currentStreak,
      numeric: true,
      sortValue: (m) => m.currentStreak,
      render: number((m) => m.currentStreak, t.weeksUnit),
    },
    {
      key: 'longestStreak',
      label: t.longestStreak,
      numeric: true,
      sortValue: (m) => m.longestStreak,
      render: number((m) => m.longestStreak, t.weeksUnit),
    },
    {
      key: 'weeksTakenPart',
      label: t.weeksTakenPart,
      numeric: true,
      sortValue: (m) => m.weeksTakenPart,
      render: number((m) => m.weeksTakenPart),
    },
    {
      key: 'submissions',
      label: t.submissions,
      numeric: true,
      sortValue: (m) => m.submissions,
      render: number((m) => m.submissions),
    },
    {
      key: 'likes',
      label: t.likes,
      numeric: true,
      sortValue: (m) => m.likes,
      render: number((m) => m.likes),
    },
    {
      key: 'challengerMonths',
      label: t.challengerMonths,
      numeric: true,
      sortValue: (m) => m.challengerMonths.length,
      render: number((m) => m.challengerMonths.length, t.timesUnit),
    },
  ];
}

function StreaksCard({ history, route }: { history: History; route: Route }) {
  const t = useStrings();
  const headingId = useId();
  const columns = useMemo(() => streakColumns(t, route), [t, route]);
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="card-head">
        <h2 id={headingId}>{t.streaks}</h2>
        <span className="count-pill">{history.members.length}</span>
      </div>
      <DataTable
        caption={t.streaks}
        captionHidden
        rows={history.members}
        columns={columns}
        rowKey={(m) => m.userId}
        initialSort={{ key: 'currentStreak', dir: 'desc' }}
        className="streaks-table"
      />
    </section>
  );
}
