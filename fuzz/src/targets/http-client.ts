/** A small HTTP client that sends exactly what it is given (headers, bytes) to the server. */
import http from 'node:http';
import type { FuzzContext } from '../context.js';

/** How long one request may take before it counts as unanswered. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Bytes of a response kept for checks; the rest is read and dropped. */
export const RESPONSE_KEEP_BYTES = 64 * 1024 * 1024;

export const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
/** Kept-alive connections from another loopback source address, one agent per address. */
const agentsFrom = new Map<string, http.Agent>();
function agentFrom(localAddress: string | undefined): http.Agent {
  if (localAddress === undefined) return agent;
  let a = agentsFrom.get(localAddress);
  if (!a) agentsFrom.set(localAddress, (a = new http.Agent({ keepAlive: true, maxSockets: 32 })));
  return a;
}

export interface Request {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Stop reading after the headers (a client that drops the download). */
  dropBody?: boolean;
  /** Send from this loopback address (127.0.0.0/8) instead of 127.0.0.1: another client. */
  localAddress?: string;
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends a request; resolves with the answer, or undefined when none came (reset, timeout). */
export async function send(ctx: FuzzContext, req: Request): Promise<Response | undefined> {
  // A kept-alive socket the server closed as the request went out is no answer from the server:
  // once more on a fresh connection.
  return (await sendOnce(ctx, req, agentFrom(req.localAddress))) ?? sendOnce(ctx, req, false);
}

function sendOnce(
  ctx: FuzzContext,
  req: Request,
  via: http.Agent | false,
): Promise<Response | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Response | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const r = http.request(
      {
        host: '127.0.0.1',
        port: ctx.server.port,
        method: req.method,
        // Node refuses to send raw spaces and non-ASCII in a path: escape them as a browser would.
        path: req.path.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)),
        headers: req.headers,
        agent: via,
        ...(req.localAddress !== undefined ? { localAddress: req.localAddress } : {}),
      },
      (res) => {
        if (req.dropBody) {
          res.destroy();
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= RESPONSE_KEEP_BYTES) chunks.push(c);
        });
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', () => done(undefined));
      },
    );
    const timer = setTimeout(() => {
      r.destroy();
      done(undefined);
    }, REQUEST_TIMEOUT_MS);
    r.on('error', () => done(undefined));
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}

/** The typed error of an answer (`{ error: { code } }`), or undefined when it is not one. */
export function errorCode(res: Response): string | undefined {
  try {
    const j = JSON.parse(res.body.toString('utf8')) as { error?: { code?: unknown } };
    return typeof j.error?.code === 'string' ? j.error.code : undefined;
  } catch {
    return undefined;
  }
}
