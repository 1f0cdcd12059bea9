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

/** Weeks taken part, out of the weeks that count (a skipped week counts for nobody). */
export function weeksTaken(
  weeks: StatsWeek[],
  member: Pick<StatsMember, 'weeks'>,
): { taken: number; of: number } {
  const counted = weeks.filter((w) => !w.skipped);
  const taken = new Set(member.weeks);
  return { taken: counted.filter((w) => taken.has(w.key)).length, of: counted.length };
}

/** One dot per posted week (taken part, pass, missed or skipped) and "3/4"; read out as "4주 중 3주". */
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
  const count = weeksTaken(weeks, member);
  return (
    <span className="weeks-cell">
      <span className="week-dots">
        {weeks.map((w) => {
          const label = t.weekShort(w.ordinal);
          const [kind, title] = w.skipped
            ? ['skipped', t.weekDotSkipped(label)]
            : taken.has(w.key)
              ? ['taken', t.weekDotTaken(label)]
              : passes.has(w.key)
                ? ['pass', t.weekDotPass(label)]
                : ['missed', t.weekDotMissed(label)];
          return (
            <span key={w.key} className={`week-dot week-dot-${kind}`} title={title} aria-hidden="true" />
          );
        })}
      </span>
      <span className="sr-only">{t.weeksOf(count.taken, count.of)}</span>
      <span className="weeks-count" data-value={count.taken} aria-hidden="true">
        {count.taken}/{count.of}
      </span>
    </span>
  );
}
