// What a browser on a forwarded URL goes through (Codespaces, Remote-SSH, code-server's
// /proxy/): a reverse proxy (http-proxy) on another address, for pages and websockets, that
// passes the browser's Origin on unchanged and rewrites Host to the app's own address. An app
// that checks a websocket's Origin against its own address refuses such a page (403).
// Also the page a webview is: a frame, on another site, around the app's page.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import httpProxy from 'http-proxy';

/** Host names the test browser resolves to 127.0.0.1 (see TestBrowser.launch). */
export const FORWARDED_HOST = 'forwarded.test';
export const WEBVIEW_HOST = 'webview.test';

export interface Forwarder {
  /** `http://forwarded.test:<port>`: the origin the browser sees. */
  readonly origin: string;
  /** The same path and query on the forwarded origin. */
  url(appUrl: string): string;
  close(): Promise<void>;
}

/** Forwards to whatever port `target()` names at the time of each request (restarts move it). */
export async function startForwarder(target: () => number | undefined): Promise<Forwarder> {
  const proxy = httpProxy.createProxyServer({ changeOrigin: true, ws: true, xfwd: false });
  proxy.on('error', (_e, _req, res) => {
    if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end('forwarder: the app did not answer');
    else res.destroy();
  });
  const to = () => `http://127.0.0.1:${target() ?? 1}`;
  const server = http.createServer((req, res) => proxy.web(req, res, { target: to() }));
  server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head, { target: to() }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://${FORWARDED_HOST}:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (appUrl) => {
      const u = new URL(appUrl);
      return origin + u.pathname + u.search;
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
