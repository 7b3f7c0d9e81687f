// What a browser on a forwarded port goes through, as code-server forwards one on a remote
// host: a reverse proxy (http-proxy) on another origin that serves the app on port P under
// /proxy/P/ (the prefix stripped), for pages and websockets, passes the browser's Origin on
// unchanged and rewrites Host to the app's own address. An app that checks a websocket's
// Origin refuses such a page (403); one that asks for absolute paths misses its prefix.
// Also the page a webview is: a frame, on another site, around the app's page.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';

/** Host names the test browser resolves to 127.0.0.1 (see TestBrowser.launch). */
export const FORWARDED_HOST = 'forwarded.test';
export const WEBVIEW_HOST = 'webview.test';

export interface Forwarder {
  /** `http://forwarded.test:<port>`: the origin the browser sees. */
  readonly origin: string;
  /** The path prefix the app on `port` has there: `/proxy/<port>/`. */
  basePath(port: number): string;
  /** The forwarded URL of a loopback app URL. */
  url(appUrl: string): string;
  close(): Promise<void>;
}

const PROXIED = /^\/proxy\/(\d+)(\/.*)?$/;

export async function startForwarder(): Promise<Forwarder> {
  const proxy = httpProxy.createProxyServer({ changeOrigin: true, ws: true, xfwd: false, ignorePath: true });
  proxy.on('error', (_e, _req, res) => {
    if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end('forwarder: the app did not answer');
    else res.destroy();
  });
  /** The app's own URL for a request to /proxy/P/…, or undefined. */
  const target = (req: http.IncomingMessage): string | undefined => {
    const m = PROXIED.exec(req.url ?? '');
    return m ? `http://127.0.0.1:${m[1]}${m[2] ?? '/'}` : undefined;
  };
  const server = http.createServer((req, res) => {
    const to = target(req);
    if (to) proxy.web(req, res, { target: to });
    else if (req.url === '/favicon.ico')
      res.writeHead(204).end(); // code-server's own icon is there
    else res.writeHead(404, { 'content-type': 'text/plain' }).end(`forwarder: ${req.url} is not under /proxy/<port>/`);
  });
  server.on('upgrade', (req, socket, head) => {
    const to = target(req);
    if (to) proxy.ws(req, socket, head, { target: to });
    else socket.destroy();
  });
  const sockets = trackSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://${FORWARDED_HOST}:${(server.address() as AddressInfo).port}`;
  const basePath = (port: number) => `/proxy/${port}/`;
  return {
    origin,
    basePath,
    url: (appUrl) => {
      const u = new URL(appUrl);
      return origin + basePath(Number(u.port)) + u.pathname.slice(1) + u.search;
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close();
        // Upgraded (websocket) connections are not HTTP connections any more, and
        // closeAllConnections() leaves them: one the app's end left half-open kept close() waiting.
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every connection the server accepted and is still open, upgraded ones included. */
function trackSockets(server: http.Server): Set<Duplex> {
  const sockets = new Set<Duplex>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** A page on another site whose only content is a frame on `src`, as the preview's webview is. */
export async function startFramingPage(): Promise<{ url(src: string): string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const src = new URL(req.url ?? '/', 'http://x').searchParams.get('src') ?? 'about:blank';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>webview</title><iframe id="app" src="${src.replace(/"/g, '&quot;')}" style="width:1150px;height:850px;border:0"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (src) => `http://${WEBVIEW_HOST}:${port}/?src=${encodeURIComponent(src)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
