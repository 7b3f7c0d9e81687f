// The app's stable front door: one loopback port per app for the preview and Open in Browser,
// while the backends behind it change at every restart. HTTP and WebSockets are forwarded by
// http-proxy-3 to the current backend; while a restart has none ready yet, new requests wait
// (bounded in time and count) instead of being refused. The proxy adds a small script to HTML
// pages (page-client.ts): pages outside the preview reload when the next run is ready, and the
// page's console errors reach the editor. No `vscode` import.
import * as http from 'node:http';
import type * as net from 'node:net';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { ConsoleEntry } from './browser-console';
import { FrontRoutes, ownRoute } from './front-routes';
import type { Logger } from './log';
import { clientTag, injectTag } from './page-client';

export interface FrontProxyOptions {
  readonly host: string;
  /** The port to listen on; 0 or undefined: any free one. */
  readonly port?: number;
  readonly log: Logger;
  /** The longest a request waits for a backend during a restart (default 30 s). */
  readonly holdMs?: number;
  /** The most requests and websockets waiting at once; more get 503 at once (default 256). */
  readonly maxHeld?: number;
  /** The forwarded path prefix the browser sees before the app's paths (`/`, or code-server's `/proxy/<port>/`). */
  prefix?(): string;
  /** Origins (besides the proxy's own loopback ones) whose pages may send console messages. */
  origins?(): readonly string[];
  /** Redacts secrets from what pages send. */
  redact?(text: string): string;
  onConsole?(entry: ConsoleEntry): void;
}

type Backend = { readonly kind: 'up'; readonly port: number; readonly runId: string } | { readonly kind: 'holding' } | { readonly kind: 'down'; readonly why: string };

interface Held {
  resume(): void;
  refuse(): void;
}

/** Pages: the most HTML buffered to add the script (larger pages pass unchanged). */
const MAX_INJECT_BYTES = 8 * 1024 * 1024;

const INJECT = Symbol('inject');
type Marked = http.IncomingMessage & { [INJECT]?: string };

export class FrontProxy {
  private readonly server: http.Server;
  private readonly proxy: ProxyServer;
  private backend: Backend = { kind: 'down', why: 'The app is not running.' };
  private held: Held[] = [];
  private readonly routes: FrontRoutes;
  private readonly sockets = new Set<net.Socket>();
  /** The browsers' WebSockets, with the backend port each goes to. */
  private readonly upgraded = new Map<net.Socket, number>();
  private _port = 0;

  constructor(private readonly opts: FrontProxyOptions) {
    this.routes = new FrontRoutes({ ...opts, port: () => this._port, unavailable: (res, why) => unavailable(res, why) });
    this.proxy = createProxyServer({ ws: true, xfwd: false, changeOrigin: false });
    this.proxy.on('error', (err, req, res) => this.failed(err, req, res));
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.respond(proxyRes, req as Marked, res));
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  /** Listens on loopback; resolves with the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port: this.opts.port ?? 0, host: this.opts.host, exclusive: true }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    this._port = typeof addr === 'object' && addr ? addr.port : 0;
    return this._port;
  }

  get port(): number {
    return this._port;
  }

  /** The run whose backend gets requests now, if any. */
  get runId(): string | undefined {
    return this.backend.kind === 'up' ? this.backend.runId : undefined;
  }

  /** Console messages dropped by the rate limit so far. */
  get droppedConsole(): number {
    return this.routes.dropped;
  }

  /** From now on requests go to `port` (run `runId`); the ones waiting go there now; open pages are told. */
  switchTo(port: number, runId: string): void {
    this.backend = { kind: 'up', port, runId };
    this.opts.log.debug(`Front proxy :${this._port} → :${port} (run ${runId})${this.held.length ? `, ${this.held.length} waiting request(s) sent on` : ''}`);
    for (const h of this.held.splice(0)) h.resume();
    this.routes.announce(runId);
    // The old run is being stopped: its pages' WebSockets close now (those pages reload, or
    // reconnect to the new run), not whenever the old process exits.
    for (const [socket, to] of this.upgraded) if (to !== port) socket.destroy();
  }

  /** A restart began: new requests wait for the next backend. */
  hold(): void {
    if (this.backend.kind !== 'holding') this.opts.log.debug(`Front proxy :${this._port}: requests wait for the next run`);
    this.backend = { kind: 'holding' };
  }

  /** No backend will come (stopped, crashed): requests get a 503 page saying `why`, at once. */
  down(why: string): void {
    this.backend = { kind: 'down', why };
    for (const h of this.held.splice(0)) h.refuse();
  }

  async close(): Promise<void> {
    this.down('The preview was closed.');
    this.routes.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.proxy.close?.();
    await closed;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const own = ownRoute(req.url ?? '/');
    if (own !== undefined) return this.routes.serve(own, req, res, this.runId);
    this.whenUp(
      (b) => {
        if (wantsPage(req)) {
          (req as Marked)[INJECT] = b.runId;
          // The page comes back whole and as plain text, to add the script that names its run
          // (a cached copy would name an older run, and reload again and again).
          for (const h of ['accept-encoding', 'if-none-match', 'if-modified-since']) delete req.headers[h];
        }
        this.proxy.web(req, res, { target: { host: this.opts.host, port: b.port }, selfHandleResponse: wantsPage(req) });
      },
      () => unavailable(res, this.backend.kind === 'down' ? this.backend.why : 'The app is restarting and did not come back in time.'),
    );
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.whenUp(
      (b) => {
        this.upgraded.set(socket, b.port);
        socket.once('close', () => this.upgraded.delete(socket));
        this.proxy.ws(req, socket, head, { target: { host: this.opts.host, port: b.port } });
      },
      () => socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'),
    );
  }

  /** Runs `go` with the backend now, or when one is up (bounded); `refuse` otherwise. */
  private whenUp(go: (b: Extract<Backend, { kind: 'up' }>) => void, refuse: () => void): void {
    const b = this.backend;
    if (b.kind === 'up') return go(b);
    if (b.kind === 'down' || this.held.length >= (this.opts.maxHeld ?? 256)) return refuse();
    const entry: Held = {
      resume: () => {
        clearTimeout(timer);
        const now = this.backend;
        if (now.kind === 'up') go(now);
        else refuse();
      },
      refuse: () => {
        clearTimeout(timer);
        refuse();
      },
    };
    const timer = setTimeout(() => {
      this.held = this.held.filter((h) => h !== entry);
      refuse();
    }, this.opts.holdMs ?? 30_000);
    this.held.push(entry);
  }

  /** A page's response: HTML gets the script; anything else passes unchanged. */
  private respond(proxyRes: http.IncomingMessage, req: Marked, res: http.ServerResponse): void {
    const runId = req[INJECT];
    if (runId === undefined) return; // not self-handled: http-proxy-3 streams it
    const type = String(proxyRes.headers['content-type'] ?? '');
    const plain = !proxyRes.headers['content-encoding'] || proxyRes.headers['content-encoding'] === 'identity';
    const length = Number(proxyRes.headers['content-length'] ?? 0);
    if (!/^text\/html/i.test(type) || !plain || length > MAX_INJECT_BYTES || req.method !== 'GET') {
      res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, passHeaders(proxyRes.headers));
      proxyRes.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let passing = false;
    proxyRes.on('data', (c: Buffer) => {
      if (passing) return;
      chunks.push(c);
      size += c.length;
      if (size > MAX_INJECT_BYTES) {
        // Too large to hold: what came so far, then the rest as it comes, unchanged.
        passing = true;
        proxyRes.pause();
        res.writeHead(proxyRes.statusCode ?? 200, proxyRes.statusMessage, passHeaders(proxyRes.headers));
        res.write(Buffer.concat(chunks));
        proxyRes.pipe(res);
        proxyRes.resume();
      }
    });
    proxyRes.on('end', () => {
      if (passing) return;
      const prefix = this.opts.prefix?.() ?? '/';
      const body = Buffer.from(injectTag(Buffer.concat(chunks).toString('utf8'), clientTag(prefix, runId)), 'utf8');
      const headers = passHeaders(proxyRes.headers);
      for (const h of ['content-length', 'etag', 'last-modified']) delete headers[h];
      headers['cache-control'] = 'no-cache';
      res.writeHead(proxyRes.statusCode ?? 200, proxyRes.statusMessage, { ...headers, 'content-length': String(body.length) });
      res.end(body);
    });
    proxyRes.on('error', () => res.destroy());
  }

  /** The backend went away mid-request (its run was stopped), or refused: 502, or the socket closes. */
  private failed(err: Error, req: http.IncomingMessage, res: http.ServerResponse | net.Socket): void {
    this.opts.log.debug(`Front proxy: ${req.method} ${req.url}: ${err.message}`);
    if (res instanceof http.ServerResponse) {
      if (!res.headersSent) unavailable(res, 'The app closed the connection (it may have restarted). Reload to see the current version.', 502);
      else res.destroy();
    } else {
      res.destroy();
    }
  }
}

/** A browser asking for a page (navigation), whose HTML gets the script. */
function wantsPage(req: http.IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const dest = req.headers['sec-fetch-dest'];
  if (dest) return dest === 'document' || dest === 'iframe';
  return /text\/html/.test(String(req.headers.accept ?? ''));
}

/** The backend's headers without the hop-by-hop ones. */
function passHeaders(h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);

/** A 503 (or `status`) page that says why and tries again by itself. */
function unavailable(res: http.ServerResponse, why: string, status = 503): void {
  if (res.headersSent) return void res.destroy();
  const text = why.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'retry-after': '1', 'cache-control': 'no-store' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Data App Preview</title><meta http-equiv="refresh" content="2"><p style="font:14px system-ui;margin:2em">${text}</p>`);
}
