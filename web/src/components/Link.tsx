import type { ReactNode } from 'react';
import { hrefFor, type Route, useLinkHandler } from '../route';

/** An in-app link: a real href (new tab, copy link) that navigates in place on a plain click. */
export function Link(props: {
  to: Route;
  children: ReactNode;
  className?: string;
  current?: boolean;
  'aria-label'?: string;
}) {
  const onClick = useLinkHandler();
  return (
    <a
      href={hrefFor(props.to)}
      onClick={onClick}
      className={props.className}
      aria-current={props.current ? 'page' : undefined}
      aria-label={props['aria-label']}
    >
      {props.children}
    </a>
  );
}
