import { useId, useMemo } from 'react';
import { api, useResource } from '../api';
import { ChallengerBadge, SkippedBadge, WeekDots, weeksTaken } from '../components/Badges';
import { Chart } from '../components/Chart';
import { type Column, DataTable } from '../components/DataTable';
import { Figures } from '../components/Figures';
import { Link } from '../components/Link';
import { memberNameColumn } from '../components/memberNameColumn';
import { ErrorState, Loading, Notice } from '../components/States';
import { currentWeek, formatDeadline, formatNumber, monthName, timeLeft, weekTitle } from '../format';
import { useNow } from '../hooks';
import { type Strings, useStrings } from '../i18n';
import { hrefFor, MONTH_PATTERN, navigate, type Route } from '../route';
import type { MonthStats, StatsMember, StatsWeek } from '../types';
import { useTitle } from '../useTitle';

/** The month view: picker, headline figures, weekly chart, this week, leaderboard and member table. */
export function MonthView({ route }: { route: Route }) {
  const t = useStrings();
  const months = useResource('months', api.months);
  useTitle(t.navMonth);

  if (months.status === 'loading') return <Loading />;
  if (months.status === 'error') return <ErrorState error={months.error} onRetry={months.retry} topLevel />;
  const list = months.data;
  const newest = list[0];
  if (newest === undefined) {
    return (
      <Notice state="empty" title={t.emptyTitle} icon="✎" topLevel>
        <p>{t.emptyBody}</p>
      </Notice>
    );
  }
  const requested = route.month;
  if (requested !== null && (!MONTH_PATTERN.test(requested) || !list.includes(requested))) {
    const invalid = !MONTH_PATTERN.test(requested);
    return (
      <Notice
        state={invalid ? 'invalid-month' : 'unknown-month'}
        title={invalid ? t.invalidMonthTitle(requested) : t.unknownMonthTitle(monthName(t, requested))}
        icon="?"
        topLevel
      >
        <p>{invalid ? t.invalidMonthBody : t.unknownMonthBody}</p>
        <Link to={{ ...route, month: newest }} className="button button-primary">
          {t.goToNewest(monthName(t, newest))}
        </Link>
      </Notice>
    );
  }
  return <MonthPage months={list} month={requested ?? newest} route={route} />;
}

function MonthPicker({ months, month, route }: { months: string[]; month: string; route: Route }) {
  const t = useStrings();
  const id = useId();
  const index = months.indexOf(month);
  const older = months[index + 1];
  const newer = index > 0 ? months[index - 1] : undefined;
  const go = (target: string | undefined) => target && navigate(hrefFor({ ...route, month: target }));
  return (
    <div className="month-picker">
      <button
        type="button"
        className="icon-button"
        onClick={() => go(older)}
        disabled={!older}
        aria-label={t.previousMonth}
        title={t.previousMonth}
        data-action="previous-month"
      >
        <span aria-hidden="true">‹</span>
      </button>
      <label htmlFor={id} className="sr-only">
        {t.monthPickerLabel}
      </label>
      <select id={id} value={month} onChange={(e) => go(e.target.value)} className="select">
        {months.map((m) => (
          <option key={m} value={m}>
            {monthName(t, m)}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="icon-button"
        onClick={() => go(newer)}
        disabled={!newer}
        aria-label={t.nextMonth}
        title={t.nextMonth}
        data-action="next-month"
      >
        <span aria-hidden="true">›</span>
      </button>
    </div>
  );
}

export function monthFigures(stats: MonthStats) {
  return {
    participants: stats.members.filter((m) => m.weeks.length > 0).length,
    submissions: stats.members.reduce((sum, m) => sum + m.submissions, 0),
    likes: stats.members.reduce((sum, m) => sum + m.likes, 0),
    challengers: stats.challengers.length,
  };
}

function MonthPage({ months, month, route }: { months: string[]; month: string; route: Route }) {
  const t = useStrings();
  const stats = useResource(`stats:${month}`, () => api.stats(month));
  const headingId = useId();

  return (
    <article aria-labelledby={headingId} data-view="month" data-month={month}>
      <div className="page-head">
        <div>
          <p className="eyebrow">{t.navMonth}</p>
          <h1 id={headingId}>{t.monthHeading(monthName(t, month))}</h1>
        </div>
        <MonthPicker months={months} month={month} route={route} />
      </div>
      {stats.status === 'loading' && <Loading />}
      {stats.status === 'error' && <ErrorState error={stats.error} onRetry={stats.retry} />}
      {stats.status === 'ready' && <MonthBody stats={stats.data} route={route} />}
    </article>
  );
}

function MonthBody({ stats, route }: { stats: MonthStats; route: Route }) {
  const t = useStrings();
  const now = useNow();
  const figures = monthFigures(stats);
  const postedWeeks = stats.weeks.filter((w) => !w.skipped).length;
  const current = currentWeek(stats.weeks, stats.timeZone, now);
  return (
    <>
      <Figures
        heading={t.figures}
        figures={[
          {
            key: 'participants',
            label: t.participants,
            value: figures.participants,
            hint: t.participantsHint(postedWeeks),
            tone: 'accent',
          },
          { key: 'submissions', label: t.submissions, value: figures.submissions, hint: t.submissionsHint },
          { key: 'likes', label: t.likes, value: figures.likes, hint: t.likesHint, tone: 'warm' },
          {
            key: 'challengers',
            label: t.challengersSoFar,
            value: figures.challengers,
            hint: t.challengersHint,
            tone: 'green',
          },
        ]}
      />
      <div className="month-grid">
        <WeeksCard stats={stats} currentKey={current?.key} />
        <div className="side-column">
          {current && <CurrentWeekCard week={current} timeZone={stats.timeZone} now={now} />}
          <Leaderboard stats={stats} route={route} />
        </div>
      </div>
      <MembersSection stats={stats} route={route} />
    </>
  );
}

function WeeksCard({ stats, currentKey }: { stats: MonthStats; currentKey: string | undefined }) {
  const t = useStrings();
  const headingId = useId();
  const tableId = useId();
  const chart = useMemo(
    () => ({
      labels: stats.weeks.map((w) =>
        w.skipped ? `${t.weekShort(w.ordinal)}\n${t.skipped}` : t.weekShort(w.ordinal),
      ),
      bars: stats.weeks.map((w) => (w.skipped ? null : w.participants)),
      line: stats.weeks.map((w) => (w.skipped ? null : w.likes)),
      titles: stats.weeks.map((w) => (w.skipped ? `${weekTitle(t, w)} (${t.skipped})` : weekTitle(t, w))),
    }),
    [stats, t],
  );
  return (
    <section className="card weeks-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t.chartTitle}</h2>
      <Chart
        {...chart}
        barsLabel={t.participants}
        lineLabel={t.likes}
        ariaLabel={t.chartAria}
        describedBy={tableId}
      />
      <table className="weeks-table" id={tableId}>
        <caption className="sr-only">{t.chartTitle}</caption>
        <thead>
          <tr>
            <th scope="col">{t.weekColumn}</th>
            <th scope="col" className="num">
              {t.participants}
            </th>
            <th scope="col" className="num">
              {t.likes}
            </th>
            <th scope="col" className="thread-col">
              {t.threadColumn}
            </th>
          </tr>
        </thead>
        <tbody>
          {stats.weeks.map((w) => (
            <tr key={w.key} className={w.skipped ? 'is-skipped' : undefined} data-week={w.key}>
              <th scope="row">
                <span className="week-name">{t.weekShort(w.ordinal)}</span>
                {w.skipped && <SkippedBadge />}
                {w.key === currentKey && <span className="badge badge-current">{t.currentWeek}</span>}
              </th>
              <td className="num" data-col="participants">
                {w.skipped ? '–' : w.participants}
              </td>
              <td className="num" data-col="likes">
                {w.skipped ? '–' : w.likes}
              </td>
              <td className="thread-col">
                {w.threadUrl ? (
                  <a href={w.threadUrl} target="_blank" rel="noopener noreferrer">
                    {t.openThread}
                    <span className="sr-only"> ({weekTitle(t, w)})</span>
                    <span aria-hidden="true"> ↗</span>
                  </a>
                ) : (
                  <span className="muted">–</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="footnote">{t.timeZoneNote(stats.timeZone)}</p>
    </section>
  );
}

function CurrentWeekCard({ week, timeZone, now }: { week: StatsWeek; timeZone: string; now: number }) {
  const t = useStrings();
  const headingId = useId();
  return (
    <section className="card current-week" aria-labelledby={headingId} data-week={week.key}>
      <p className="eyebrow eyebrow-live">
        <span className="live-dot" aria-hidden="true" />
        {t.currentWeekTitle}
      </p>
      <h2 id={headingId}>{weekTitle(t, week)}</h2>
      <p className="time-left" data-testid="time-left">
        {timeLeft(t, week.deadline, now)}
      </p>
      <dl className="current-week-facts">
        <div>
          <dt>{t.deadline}</dt>
          <dd>{formatDeadline(t, week.deadline, timeZone)}</dd>
        </div>
        <div>
          <dt>{t.participants}</dt>
          <dd>{t.participantsSoFar(week.participants)}</dd>
        </div>
      </dl>
      {week.threadUrl && (
        <a className="button button-primary" href={week.threadUrl} target="_blank" rel="noopener noreferrer">
          {t.goToThread}
          <span aria-hidden="true"> ↗</span>
        </a>
      )}
    </section>
  );
}

/** Members with likes, most first (ties share a rank), top 5. */
export function leaderboardOf(stats: MonthStats, size = 5) {
  const sorted = stats.members
    .filter((m) => m.likes > 0)
    .sort((a, b) => b.likes - a.likes || b.submissions - a.submissions || a.name.localeCompare(b.name))
    .slice(0, size);
  return sorted.map((member) => ({ member, rank: 1 + sorted.filter((o) => o.likes > member.likes).length }));
}

function Leaderboard({ stats, route }: { stats: MonthStats; route: Route }) {
  const t = useStrings();
  const headingId = useId();
  const rows = leaderboardOf(stats);
  const top = rows[0]?.member.likes ?? 1;
  const special = new Set(stats.specialChallengers);
  return (
    <section className="card leaderboard" aria-labelledby={headingId}>
      <h2 id={headingId}>{t.leaderboard}</h2>
      {rows.length === 0 ? (
        <p className="muted">{t.leaderboardEmpty}</p>
      ) : (
        <ol className="leaders">
          {rows.map(({ member, rank }) => (
            <li key={member.userId} className={`leader rank-${rank}`} data-user={member.userId}>
              <span className="leader-rank">
                <span className="sr-only">{t.rank(rank)}</span>
                <span aria-hidden="true">{rank}</span>
              </span>
              <span className="leader-main">
                <span className="leader-name">
                  <Link to={{ ...route, view: 'member', member: member.userId, month: null }}>
                    {member.name}
                  </Link>
                  {special.has(member.userId) && (
                    <span className="star" role="img" aria-label={t.specialChallenger}>
                      ★
                    </span>
                  )}
                </span>
                <span className="leader-bar" aria-hidden="true">
                  <span style={{ width: `${Math.max(4, (member.likes / top) * 100)}%` }} />
                </span>
              </span>
              <span className="leader-likes" data-value={member.likes}>
                {t.likesCount(member.likes)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function memberColumns(t: Strings, stats: MonthStats, route: Route): Column<StatsMember>[] {
  const special = new Set(stats.specialChallengers);
  const hasPasses = stats.members.some((m) => m.passes !== undefined);
  const badgeRank = (m: StatsMember) => (special.has(m.userId) ? 2 : m.challenger ? 1 : 0);
  const columns: (Column<StatsMember> | false)[] = [
    memberNameColumn<StatsMember>(t.name, route),
    {
      key: 'weeks',
      label: t.weeksTakenPart,
      numeric: true,
      card: 'wide',
      sortValue: (m) => weeksTaken(stats.weeks, m).taken,
      render: (m) => <WeekDots weeks={stats.weeks} member={m} />,
    },
    hasPasses && {
      key: 'passes',
      label: t.passes,
      numeric: true,
      sortValue: (m) => m.passes?.length ?? 0,
      render: (m) => <span data-value={m.passes?.length ?? 0}>{m.passes?.length ?? 0}</span>,
    },
    {
      key: 'submissions',
      label: t.submissions,
      numeric: true,
      sortValue: (m) => m.submissions,
      render: (m) => <span data-value={m.submissions}>{formatNumber(t, m.submissions)}</span>,
    },
    {
      key: 'likes',
      label: t.likes,
      numeric: true,
      sortValue: (m) => m.likes,
      render: (m) => <span data-value={m.likes}>{formatNumber(t, m.likes)}</span>,
    },
    {
      key: 'badge',
      label: t.badge,
      card: 'head',
      sortValue: badgeRank,
      numeric: true,
      render: (m) => (m.challenger ? <ChallengerBadge special={special.has(m.userId)} /> : null),
    },
  ];
  return columns.filter((c): c is Column<StatsMember> => c !== false);
}

function MembersSection({ stats, route }: { stats: MonthStats; route: Route }) {
  const t = useStrings();
  const headingId = useId();
  const columns = useMemo(() => memberColumns(t, stats, route), [t, stats, route]);
  return (
    <section className="card members-card" aria-labelledby={headingId}>
      <div className="card-head">
        <h2 id={headingId}>{t.members}</h2>
        <span className="count-pill">{stats.members.length}</span>
      </div>
      {stats.members.length === 0 ? (
        <p className="muted">{t.membersEmpty}</p>
      ) : (
        <DataTable
          caption={t.members}
          captionHidden
          rows={stats.members}
          columns={columns}
          rowKey={(m) => m.userId}
          initialSort={{ key: 'likes', dir: 'desc' }}
          className="members-table"
          compactCards
        />
      )}
    </section>
  );
}
