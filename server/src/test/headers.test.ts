/**
 * Security headers on every response: a Content-Security-Policy that lets the app load only from
 * its own origin, no framing, and HSTS only when the request came over TLS.
 */
import { describe, expect, it } from 'vitest';
import { startServer, useServer } from './harness.js';

/** The policy's directives, by name. */
function directives(header: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name, values);
  }
  return out;
}

describe('security headers', () => {
  const fx = useServer();

  it('a CSP allows the own origin only, with data: and blob: images and no framing', async () => {
    for (const path of ['/healthz', '/api/boards/NOSUCH1', '/']) {
      const res = await fetch(`${fx.server.url}${path}`);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('style-src')).toEqual(["'self'"]);
      expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
      expect(csp.get('connect-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      // Nothing that would let an injected script or style run.
      expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-|\*/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('no HSTS over plain HTTP, and none when an untrusted client claims TLS', async () => {
    const plain = await fetch(`${fx.server.url}/healthz`);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    const claimed = await fetch(`${fx.server.url}/healthz`, {
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(claimed.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('HSTS behind a TLS proxy', () => {
  it('is sent when the trusted proxy says the request came over TLS, and only then', async () => {
    const server = await startServer({ env: { TRUST_PROXY: '1' } });
    try {
      const tls = await fetch(`${server.url}/healthz`, {
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(tls.headers.get('strict-transport-security')).toMatch(/^max-age=31536000\b/);
      const plain = await fetch(`${server.url}/healthz`, {
        headers: { 'x-forwarded-proto': 'http' },
      });
      expect(plain.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await server.close();
    }
  });
});
