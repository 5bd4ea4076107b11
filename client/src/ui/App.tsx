import { useMemo, useSyncExternalStore } from 'react';
import { parseRoute } from '../routes.js';
import { BoardPage } from './BoardPage.js';
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

export function App() {
  const here = useSyncExternalStore(subscribe, location);
  const route = useMemo(() => {
    const hash = here.indexOf('#');
    return hash < 0 ? parseRoute(here, '') : parseRoute(here.slice(0, hash), here.slice(hash));
  }, [here]);
  switch (route.name) {
    case 'landing':
      return <Landing />;
    case 'join':
      return <JoinPage code={route.code} />;
    case 'participant':
      return <BoardPage key={`p:${route.code}`} code={route.code} role="participant" />;
    case 'facilitator':
      return (
        <BoardPage
          key={`f:${route.code}`}
          code={route.code}
          role="facilitator"
          urlKey={route.key}
        />
      );
    case 'projector':
      return (
        <BoardPage key={`x:${route.code}`} code={route.code} role="projector" urlKey={route.key} />
      );
    default:
      return <NotFound />;
  }
}
