/**
 * Which web pages may open the websocket endpoints. A browser sends the page's `Origin` with every
 * websocket handshake and lets any page connect anywhere, so without this check any site a
 * workshop participant visits could open sync and command connections to the server. Clients that
 * are not browsers send no `Origin` and are not affected: they hold credentials or hold nothing.
 */
import type { IncomingMessage } from 'node:http';

/** Decides, from the handshake request alone, whether the page it comes from may connect. */
export type OriginCheck = (req: IncomingMessage) => boolean;

/** Lower-cased `scheme://host[:port]` of a URL, or undefined when it is not one. */
function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The check for a configuration: with `allowed` (ALLOWED_ORIGINS), exactly those origins; without
 * it, the origin of `publicUrl` and pages served from the host the request was sent to (the
 * server's own client, whatever name it is reached by).
 */
export function originCheck(
  allowed: readonly string[] | undefined,
  publicUrl: string | undefined,
): OriginCheck {
  const list = allowed && allowed.length > 0 ? new Set(allowed.map((o) => o.toLowerCase())) : null;
  const publicOrigin = publicUrl ? originOf(publicUrl) : undefined;
  return (req) => {
    const header = req.headers.origin;
    if (header === undefined) return true;
    const origin = originOf(header);
    // `Origin: null` (sandboxed frames, file pages) and anything unreadable are refused.
    if (!origin) return false;
    if (list) return list.has(origin);
    if (origin === publicOrigin) return true;
    const host = req.headers.host?.toLowerCase();
    return host !== undefined && new URL(origin).host === host;
  };
}

/** Every origin allowed: for embedding the app where no check is wanted. */
export const ANY_ORIGIN: OriginCheck = () => true;
