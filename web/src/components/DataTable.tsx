import { type ReactNode, useId, useMemo, useState } from 'react';
import { useIsPhone } from '../hooks';
import { useStrings } from '../i18n';

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ReactNode;
  /** Present when the column can be sorted by. */
  sortValue?: (row: T) => number | string;
  numeric?: boolean;
  /** Where the column goes in the phone card: the title line, a stat, or nowhere. */
  card?: 'head' | 'stat' | 'wide' | 'hide';
}

export interface SortState {
  key: string;
  dir: 'asc' | 'desc';
}

/**
 * A table whose sortable columns have buttons in their headers (aria-sort on the sorted one); on a phone the same
 * rows become a list of cards with a sort picker, so nothing scrolls sideways.
 */
export function DataTable<T>(props: {
  caption: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  initialSort?: SortState;
  captionHidden?: boolean;
  className?: string;
  /** id of the table (or list, on a phone), e.g. for a chart's aria-describedby. */
  id?: string;
  /** Phone cards put the wide column and the stats side by side (few, short stats). */
  compactCards?: boolean;
}) {
  const t = useStrings();
  const phone = useIsPhone();
  const selectId = useId();
  const [sort, setSort] = useState<SortState | undefined>(props.initialSort);
  const { columns } = props;

  const rows = useMemo(() => {
    const column = sort && columns.find((c) => c.key === sort.key);
    if (!sort || !column?.sortValue) return props.rows;
    const value = column.sortValue;
    const sign = sort.dir === 'asc' ? 1 : -1;
    return props.rows
      .map((row, index) => ({ row, index, v: value(row) }))
      .sort((a, b) => {
        const order =
          typeof a.v === 'number' && typeof b.v === 'number'
            ? a.v - b.v
            : String(a.v).localeCompare(String(b.v), t.locale);
        return order * sign || a.index - b.index;
      })
      .map(({ row }) => row);
  }, [props.rows, columns, sort, t.locale]);

  const toggle = (column: Column<T>) =>
    setSort((current) =>
      current?.key === column.key
        ? { key: column.key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
        : { key: column.key, dir: column.numeric ? 'desc' : 'asc' },
    );

  if (phone) {
    const sortable = columns.filter((c) => c.sortValue);
    const head = columns.filter((c) => c.card === 'head');
    const stats = columns.filter((c) => (c.card ?? 'stat') === 'stat');
    const wide = columns.filter((c) => c.card === 'wide');
    return (
      <div className={`card-list-wrap ${props.className ?? ''}`}>
        {sortable.length > 0 && (
          <div className="card-sort">
            <label htmlFor={selectId}>{t.sortBy}</label>
            <select
              id={selectId}
              value={sort?.key ?? ''}
              onChange={(e) => {
                const column = columns.find((c) => c.key === e.target.value);
                if (column) setSort({ key: column.key, dir: column.numeric ? 'desc' : 'asc' });
              }}
            >
              {sortable.map((c) => (
                <option key={c.key} value={c.key}>
                  {c.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="icon-button"
              aria-label={`${t.sortBy}: ${sort?.dir === 'asc' ? t.sortAscending : t.sortDescending}`}
              onClick={() => sort && setSort({ key: sort.key, dir: sort.dir === 'asc' ? 'desc' : 'asc' })}
            >
              <span aria-hidden="true">{sort?.dir === 'asc' ? '↑' : '↓'}</span>
            </button>
          </div>
        )}
        <ul className="card-list" aria-label={props.caption} id={props.id}>
          {rows.map((row) => (
            <li key={props.rowKey(row)} className="row-card" data-row={props.rowKey(row)}>
              <div className="row-card-head">
                {head.map((c) => (
                  <span key={c.key} data-col={c.key}>
                    {c.render(row)}
                  </span>
                ))}
              </div>
              <div className={props.compactCards ? 'row-card-body is-compact' : 'row-card-body'}>
                {wide.map((c) => (
                  <div key={c.key} className="row-card-wide" data-col={c.key}>
                    {c.render(row)}
                  </div>
                ))}
                <dl className={`row-card-stats stats-${stats.length >= 5 ? 3 : stats.length}`}>
                  {stats.map((c) => (
                    <div key={c.key} data-col={c.key}>
                      <dt>{c.label}</dt>
                      <dd>{c.render(row)}</dd>
                    </div>
                  ))}
                </dl>
              </div>
            </li>
          ))}
        </ul>
      </div>
    );
  }

  return (
    <div className={`table-wrap ${props.className ?? ''}`}>
      <table className="data-table" id={props.id}>
        <caption className={props.captionHidden ? 'sr-only' : undefined}>{props.caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              return (
                <th
                  key={c.key}
                  scope="col"
                  data-col={c.key}
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  {c.sortValue ? (
                    <button type="button" className="sort-button" onClick={() => toggle(c)}>
                      {c.label}
                      <span className={`sort-icon${active ? ' is-active' : ''}`} aria-hidden="true">
                        {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={props.rowKey(row)} data-row={props.rowKey(row)}>
              {columns.map((c, i) =>
                i === 0 ? (
                  <th key={c.key} scope="row" data-col={c.key}>
                    {c.render(row)}
                  </th>
                ) : (
                  <td key={c.key} className={c.numeric ? 'num' : undefined} data-col={c.key}>
                    {c.render(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
