import { useStrings } from '../i18n';
import type { StatsMember, StatsWeek } from '../types';

export function ChallengerBadge({ special }: { special: boolean }) {
  const t = useStrings();
  return special ? (
    <span className="badge badge-special">
      <span aria-hidden="true">★ </span>
      {t.specialChallenger}
    </span>
  ) : (
    <span className="badge badge-challenger">{t.challenger}</span>
  );
}

export function SkippedBadge() {
  const t = useStrings();
  return <span className="badge badge-skipped">{t.skipped}</span>;
}

/** One dot per posted week: taken part, pass, missed or skipped; read out as "4주 중 3주". */
export function WeekDots({
  weeks,
  member,
}: {
  weeks: StatsWeek[];
  member: Pick<StatsMember, 'weeks' | 'passes'>;
}) {
  const t = useStrings();
  const taken = new Set(member.weeks);
  const passes = new Set(member.passes ?? []);
  const counted = weeks.filter((w) => !w.skipped);
  return (
    <span className="week-dots">
      <span className="sr-only">{t.weeksOf(member.weeks.length, counted.length)}</span>
      {weeks.map((w) => {
        const label = t.weekShort(w.ordinal);
        const [kind, title] = w.skipped
          ? ['skipped', t.weekDotSkipped(label)]
          : taken.has(w.key)
            ? ['taken', t.weekDotTaken(label)]
            : passes.has(w.key)
              ? ['pass', t.weekDotPass(label)]
              : ['missed', t.weekDotMissed(label)];
        return <span key={w.key} className={`week-dot week-dot-${kind}`} title={title} aria-hidden="true" />;
      })}
    </span>
  );
}
