import { useId, useMemo } from 'react';
import { api, useResource } from '../api';
import { ChallengerBadge, WeekDots } from '../components/Badges';
import { type Column, DataTable } from '../components/DataTable';
import { Figures } from '../components/Figures';
import { Link } from '../components/Link';
import { ErrorState, Loading, Notice } from '../components/States';
import { formatNumber, monthName } from '../format';
import { type Strings, useStrings } from '../i18n';
import type { Route } from '../route';
import type { History, HistoryMember, MonthStats } from '../types';
import { useTitle } from '../useTitle';

/** At most this many months of per-week detail are fetched (one /api/stats each). */
const DETAIL_MONTHS = 12;

/** The member view: one member's record across months. */
export function MemberView({ route }: { route: Route }) {
  const t = useStrings();
  const history = useResource('history', api.history);
  const memberId = route.member ?? '';
  const member =
    history.status === 'ready' ? history.data.members.find((m) => m.userId === memberId) : undefined;
  useTitle(member?.name ?? t.members);

  if (history.status === 'loading') return <Loading />;
  if (history.status === 'error')
    return <ErrorState error={history.error} onRetry={history.retry} topLevel />;
  if (!member) {
    return (
      <Notice state="member-not-found" title={t.memberNotFoundTitle} icon="?" topLevel>
        <p>{t.memberNotFoundBody(memberId)}</p>
        <Link to={{ ...route, view: 'month', member: null, month: null }} className="button button-primary">
          {t.backToMonth}
        </Link>
      </Notice>
    );
  }
  return <MemberPage history={history.data} member={member} route={route} />;
}

function MemberPage({ history, member, route }: { history: History; member: HistoryMember; route: Route }) {
  const t = useStrings();
  const headingId = useId();
  const chipsId = useId();
  const specialMonths = new Set(
    history.months.filter((m) => m.specialChallengers.includes(member.userId)).map((m) => m.month),
  );
  return (
    <article aria-labelledby={headingId} data-view="member" data-member={member.userId}>
      <div className="page-head">
        <div>
          <p className="eyebrow">
            <Link to={{ ...route, view: 'history', member: null, month: null }}>{t.historyHeading}</Link>
            <span aria-hidden="true"> / </span>
            {t.members}
          </p>
          <h1 id={headingId} className="member-title">
            <span className="avatar" aria-hidden="true">
              {[...member.name][0] ?? '?'}
            </span>
            {member.name}
          </h1>
          <p className="lead">{t.memberLead}</p>
        </div>
      </div>
      <Figures
        heading={t.figures}
        figures={[
          { key: 'weeksTakenPart', label: t.weeksTakenPart, value: member.weeksTakenPart, tone: 'accent' },
          { key: 'submissions', label: t.submissions, value: member.submissions },
          { key: 'likes', label: t.likes, value: member.likes, tone: 'warm' },
          {
            key: 'currentStreak',
            label: t.currentStreak,
            value: member.currentStreak,
            hint: t.streakHint,
            tone: 'green',
          },
          {
            key: 'longestStreak',
            label: t.longestStreak,
            value: member.longestStreak,
            hint: t.longestStreakHint,
          },
        ]}
      />
      <section className="card" aria-labelledby={chipsId}>
        <div className="card-head">
          <h2 id={chipsId}>{t.challengerMonths}</h2>
          <span className="count-pill">{member.challengerMonths.length}</span>
        </div>
        {member.challengerMonths.length === 0 ? (
          <p className="muted">{t.noChallengerMonths}</p>
        ) : (
          <ul className="name-chips challenger-months">
            {member.challengerMonths.map((month) => (
              <li
                key={month}
                className={specialMonths.has(month) ? 'chip chip-special' : 'chip'}
                data-month={month}
              >
                <Link to={{ ...route, view: 'month', month, member: null }}>{monthName(t, month)}</Link>
                {specialMonths.has(month) && (
                  <span className="star" role="img" aria-label={t.specialChallenger}>
                    ★
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <MemberMonths history={history} member={member} route={route} />
    </article>
  );
}

interface MemberMonthRow {
  stats: MonthStats;
  entry: MonthStats['members'][number] | undefined;
  special: boolean;
}

function memberMonthColumns(t: Strings, route: Route): Column<MemberMonthRow>[] {
  return [
    {
      key: 'month',
      label: t.monthColumn,
      card: 'head',
      render: (r) => (
        <Link to={{ ...route, view: 'month', month: r.stats.month, member: null }} className="member-link">
          {monthName(t, r.stats.month)}
        </Link>
      ),
    },
    {
      key: 'weeks',
      label: t.weeksTakenPart,
      numeric: true,
      card: 'wide',
      render: (r) => <WeekDots weeks={r.stats.weeks} member={r.entry ?? { weeks: [] }} />,
    },
    {
      key: 'submissions',
      label: t.submissions,
      numeric: true,
      render: (r) => (
        <span data-value={r.entry?.submissions ?? 0}>{formatNumber(t, r.entry?.submissions ?? 0)}</span>
      ),
    },
    {
      key: 'likes',
      label: t.likes,
      numeric: true,
      render: (r) => <span data-value={r.entry?.likes ?? 0}>{formatNumber(t, r.entry?.likes ?? 0)}</span>,
    },
    {
      key: 'badge',
      label: t.badge,
      card: 'head',
      render: (r) => (r.entry?.challenger ? <ChallengerBadge special={r.special} /> : null),
    },
  ];
}

/** Per-month weeks from /api/stats, for the most recent months. */
function MemberMonths({ history, member, route }: { history: History; member: HistoryMember; route: Route }) {
  const t = useStrings();
  const headingId = useId();
  const months = history.months.slice(0, DETAIL_MONTHS).map((m) => m.month);
  const detail = useResource(`member-months:${months.join(',')}`, () => Promise.all(months.map(api.stats)));
  const columns = useMemo(() => memberMonthColumns(t, route), [t, route]);
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t.memberMonths}</h2>
      {detail.status === 'loading' && <div className="skeleton skeleton-table" aria-busy="true" />}
      {detail.status === 'error' && <ErrorState error={detail.error} onRetry={detail.retry} />}
      {detail.status === 'ready' && (
        <DataTable
          caption={t.memberMonths}
          captionHidden
          rows={detail.data.map((stats) => ({
            stats,
            entry: stats.members.find((m) => m.userId === member.userId),
            special: stats.specialChallengers.includes(member.userId),
          }))}
          columns={columns}
          rowKey={(r) => r.stats.month}
          className="member-months-table"
          compactCards
        />
      )}
    </section>
  );
}
