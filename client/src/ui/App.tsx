import { useEffect, useState } from 'react';
import { parseRoute, type Route } from '../routes.js';
import { BoardPage } from './BoardPage.js';
import { JoinPage } from './JoinPage.js';
import { Landing } from './Landing.js';
import { NotFound } from './NotFound.js';

function current(): Route {
  return parseRoute(location.pathname, location.hash);
}

export function App() {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
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
