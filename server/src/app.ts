/**
 * Assembles the server: HTTP (API, health, the built client), the command gateway and the sync
 * endpoint on one port, over one storage and one board registry.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { PROTOCOL_VERSION } from '@pajataulu/shared';
import { BoardRegistry, type RegistryOptions } from './board/registry.js';
import type { RedisCluster } from './cluster/redis.js';
import type { Config } from './config.js';
import { faults } from './faults.js';
import { CommandGateway } from './gateway/gateway.js';
import { createApi } from './http/api.js';
import { addressReader, Limits } from './limits.js';
import { createLogger } from './log.js';
import { originCheck } from './sync/origin.js';
import type { Storage } from './storage/storage.js';
import { SyncEndpoint } from './sync/endpoint.js';

const log = createLogger('app');

export interface App {
  readonly server: http.Server;
  readonly registry: BoardRegistry;
  readonly storage: Storage;
  /** Redis between instances, in cluster mode. */
  readonly cluster: RedisCluster | undefined;
  /**
   * Erases a board (GDPR): from memory here, from storage, and from Redis (presence, adapter
   * packets); other instances drop their copy.
   */
  eraseBoard(boardId: string): Promise<void>;
  /** The document sync endpoint (its `stats` count the fan-out work). */
  readonly sync: SyncEndpoint;
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Flushes every board, closes connections (clients reconnect), and closes storage. */
  close(): Promise<void>;
}

export interface AppOptions {
  /** Redis between instances (cluster mode). */
  cluster?: RedisCluster;
  /** Test seam, passed to the registry: see {@link RegistryOptions.beforeApply}. */
  beforeApply?: RegistryOptions['beforeApply'];
}

/** How long a browser that saw the server over TLS keeps to TLS for it: a year, as is usual. */
export const HSTS_MAX_AGE_S = 365 * 24 * 60 * 60;

/**
 * What the built client may load: its own scripts, styles, fonts and sockets only. The QR code is
 * an <img> with a data: URL, a picture is saved through a blob: URL, the canvas needs nothing, and
 * React sets styles through the CSSOM, which style-src does not govern. `'self'` covers ws: and
 * wss: to the same host (CSP 3). No page may frame the app (clickjacking of facilitator tools).
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

/**
 * helmet's headers with the policy above, and HSTS only on a request that came over TLS (directly,
 * or as a trusted proxy says): sent over plain HTTP it would lock a LAN set-up out of itself.
 */
function securityHeaders(): RequestHandler {
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    strictTransportSecurity: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const hsts = helmet.strictTransportSecurity({ maxAge: HSTS_MAX_AGE_S });
  return (req, res, next) =>
    headers(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (req.secure) return hsts(req, res, next);
      next();
    });
}

export function createApp(config: Config, storage: Storage, opts: AppOptions = {}): App {
  const cluster = opts.cluster;
  const registry = new BoardRegistry(storage, {
    idleUnloadMs: config.boardIdleUnloadMs,
    compactAfterUpdates: config.compactAfterUpdates,
    ...(opts.beforeApply ? { beforeApply: opts.beforeApply } : {}),
  });
  // One set of counts for the API and the gateway; in Redis when there are other instances.
  const limits = new Limits(
    config.rates,
    cluster ? { client: cluster.commands, prefix: config.redisPrefix } : undefined,
  );
  const web = express();
  web.disable('x-powered-by');
  web.set('trust proxy', config.trustProxy);
  web.use(securityHeaders());

  web.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', protocol: PROTOCOL_VERSION, liveBoards: registry.size, faults });
  });
  web.use(
    '/api',
    createApi({
      storage,
      registry,
      publicUrl: config.publicUrl,
      limits,
      exportStallMs: config.exportStallMs,
    }),
  );

  const clientDir = config.clientDir;
  const indexHtml = clientDir ? path.join(clientDir, 'index.html') : undefined;
  if (clientDir && indexHtml && fs.existsSync(indexHtml)) {
    web.use(
      '/assets',
      express.static(path.join(clientDir, 'assets'), { immutable: true, maxAge: '1y' }),
    );
    web.use(express.static(clientDir, { index: false, maxAge: '1h' }));
    // Every other GET is a client route (/j/CODE, /b/CODE, …).
    web.get(/^\/(?!api\/|socket\.io\/|sync\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(indexHtml);
    });
  } else {
    log.warn('no built client to serve', { clientDir });
    web.get('/', (_req, res) => {
      res.status(503).type('text/plain').send('The client is not built: run `pnpm build`.\n');
    });
  }

  const server = http.createServer(web);
  const allowOrigin = originCheck(config.allowedOrigins, config.publicUrl);
  const gateway = new CommandGateway(server, storage, registry, config.rates, limits, {
    ...(cluster ? { cluster } : {}),
    allowOrigin,
    addressOf: addressReader(web.get('trust proxy fn')),
  });
  const sync = new SyncEndpoint(storage, registry, allowOrigin);
  // Total: an upgrade nobody can read is refused, never thrown out of the event.
  server.on('upgrade', (req, socket, head) => {
    try {
      if (sync.handles(req)) sync.handleUpgrade(req, socket, head);
      else if (!(req.url ?? '').startsWith('/socket.io/')) socket.destroy();
    } catch (err) {
      log.error('upgrade failed', { err });
      socket.destroy();
    }
  });

  let closed: Promise<void> | undefined;
  return {
    server,
    registry,
    storage,
    cluster,
    async eraseBoard(boardId) {
      registry.drop(boardId);
      await storage.deleteBoard(boardId);
      await cluster?.eraseBoard(boardId);
    },
    sync,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      closed ??= (async () => {
        server.close();
        await registry.closeAll();
        sync.close();
        await gateway.close();
        server.closeAllConnections();
        await cluster?.close();
        await storage.close();
      })();
      return closed;
    },
  };
}
