/** The app's addresses. Keys travel in the fragment, which browsers never send to the server. */
import { normalizeJoinCode } from '@pajataulu/shared';

export type Route =
  | { name: 'landing' }
  | { name: 'join'; code: string }
  | { name: 'participant'; code: string }
  | { name: 'facilitator'; code: string; key: string | undefined }
  | { name: 'projector'; code: string; key: string | undefined }
  | { name: 'accessibility' }
  | { name: 'notFound' };

function keyFromHash(hash: string): string | undefined {
  const m = /(?:^#|&)key=([A-Za-z0-9_-]+)/.exec(hash);
  return m?.[1];
}

export function parseRoute(pathname: string, hash: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'landing' };
  if (/^\/(saavutettavuus|tillganglighet|accessibility)\/?$/.test(pathname))
    return { name: 'accessibility' };
  const m = /^\/([jbfp])\/([^/]+)\/?$/.exec(pathname);
  const code = m ? normalizeJoinCode(decodeURIComponent(m[2]!)) : undefined;
  if (!m || !code) return { name: 'notFound' };
  switch (m[1]) {
    case 'j':
      return { name: 'join', code };
    case 'b':
      return { name: 'participant', code };
    case 'f':
      return { name: 'facilitator', code, key: keyFromHash(hash) };
    default:
      return { name: 'projector', code, key: keyFromHash(hash) };
  }
}

/** Moves to another address without reloading. */
export function navigate(path: string): void {
  history.pushState(null, '', path);
  window.scrollTo(0, 0);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
