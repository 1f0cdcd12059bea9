import type { Route } from '../route';
import type { Column } from './DataTable';
import { Link } from './Link';

/** The member tables' first column: the name, sortable, linking to that member's view (the card's heading). */
export function memberNameColumn<M extends { userId: string; name: string }>(
  label: string,
  route: Route,
): Column<M> {
  return {
    key: 'name',
    label,
    card: 'head',
    sortValue: (m) => m.name,
    render: (m) => (
      <Link to={{ ...route, view: 'member', member: m.userId, month: null }} className="member-link">
        {m.name}
      </Link>
    ),
  };
}
