/**
 * The baseline: the reference Yjs relay (`@y/websocket-server`, its `setupWSConnection` as its
 * own `server.js` wires it), with the same metrics IPC as the Pajataulu server. Every client
 * writes into the shared document directly, and awareness is relayed to everyone as usual.
 *
 * Started by the benchmarks as a child process: `node baseline-relay.js`, port printed as `PORT=n`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';
import { startMetricsIpc } from '@pajataulu/server/metrics-ipc';

startMetricsIpc();
const wss = new WebSocketServer({ noServer: true });
wss.on('connection', (ws, req) => setupWSConnection(ws, req));
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('okay');
});
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT=${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
