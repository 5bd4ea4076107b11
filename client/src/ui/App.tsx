import { lazy, Suspense, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { parseRoute } from '../routes.js';
import { AccessibilityStatement } from './AccessibilityStatement.js';
import { JoinPage } from './JoinPage.js';
import { Landing } from './Landing.js';
import { NotFound } from './NotFound.js';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  return () => window.removeEventListener('popstate', onChange);
}
// A snapshot, not a listener-only update: a navigation made before the listener is attached
// (a child's effect runs before its parent's) is still seen.
const location = () => `${window.location.pathname}${window.location.hash}`;

// The board (canvas, replica, sockets) is most of the code; the landing and join pages, which a
// participant opens first on a phone, load without it.
const BoardPage = lazy(() => import('./BoardPage.js').then((m) => ({ default: m.BoardPage })));

function Loading() {
  const { t } = useTranslation();
  return <main className="page narrow">{t('status.connecting')}</main>;
}

function Board({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

export function App() {
  const here = useSyncExternalStore(subscribe, location);
  const route = useMemo(() => {
    const hash = here.indexOf('#');
    return hash < 0 ? parseRoute(here, '') : parseRoute(here.slice(0, hash), here.slice(hash));
  }, [here]);
  switch (route.name) {
    case 'landing':
      return <Landing />;
    case 'accessibility':
      return <AccessibilityStatement />;
    case 'join':
      return <JoinPage code={route.code} />;
    case 'participant':
      return (
        <Board>
          <BoardPage key={`p:${route.code}`} code={route.code} role="participant" />
        </Board>
      );
    case 'facilitator':
      return (
        <Board>
          <BoardPage
            key={`f:${route.code}`}
            code={route.code}
            role="facilitator"
            urlKey={route.key}
          />
        </Board>
      );
    case 'projector':
      return (
        <Board>
          <BoardPage
            key={`x:${route.code}`}
            code={route.code}
            role="projector"
            urlKey={route.key}
          />
        </Board>
      );
    default:
      return <NotFound />;
  }
}
