import { useId } from 'react';
import { formatNumber } from '../format';
import { useStrings } from '../i18n';

export interface Figure {
  key: string;
  label: string;
  value: number;
  hint?: string;
  tone?: 'accent' | 'warm' | 'green' | 'plain';
}

/** The headline numbers: one card per figure, as a description list. */
export function Figures({ figures, heading }: { figures: Figure[]; heading: string }) {
  const t = useStrings();
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h2 id={id} className="sr-only">
        {heading}
      </h2>
      <dl className="figures">
        {figures.map((f) => (
          <div key={f.key} className={`figure figure-${f.tone ?? 'plain'}`} data-figure={f.key}>
            <dt>{f.label}</dt>
            <dd>
              <span className="figure-value" data-value={f.value}>
                {formatNumber(t, f.value)}
              </span>
              {f.hint && <span className="figure-hint">{f.hint}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
