// The front proxy's own routes, under `<prefix>__dap__/` (never passed to the app): the script
// it adds to pages, the event stream that tells open pages a new run is ready, and the intake
// of the pages' console messages (same-origin only, bounded in size and rate, redacted).
// No `vscode` import.
import type * as http from 'node:http';
import { parseConsoleEntry, type ConsoleEntry } from './browser-console';
import { CLIENT_ROUTE, CLIENT_SCRIPT } from './page-client';

const MAX_EVENT_CLIENTS = 64;
const MAX_CONSOLE_BODY = 16 * 1024;
/** Console messages accepted per second, all pages together (more are dropped and counted). */
const CONSOLE_PER_SECOND = 50;

export interface FrontRoutesOptions {
  readonly host: string;
  /** The proxy's port. */
  port(): number;
  /** Origins (besides the proxy's own loopback ones) whose pages may send console messages. */
  origins?(): readonly string[];
  redact?(text: string): string;
  onConsole?(entry: ConsoleEntry): void;
  /** Answers with a page that says why (too many open pages). */
  unavailable(res: http.ServerResponse, why: string): void;
}

/** The proxy's own route (`client.js`, `events`, `console`) when `url` is `…/__dap__/<route>`. */
export function ownRoute(url: string): string | undefined {
  const p = url.replace(/[?#].*$/, '');
  const at = p.lastIndexOf('/' + CLIENT_ROUTE);
  return at >= 0 ? p.slice(at + 1 + CLIENT_ROUTE.length) : undefined;
}

export class FrontRoutes {
  private readonly events = new Set<http.ServerResponse>();
  private window = { start: 0, count: 0 };
  private _dropped = 0;

  constructor(private readonly opts: FrontRoutesOptions) {}

  /** Console messages dropped by the rate limit so far. */
  get dropped(): number {
    return this._dropped;
  }

  /** Tells every open page that run `runId` serves now. */
  announce(runId: string): void {
    for (const res of this.events) res.write(`event: run\ndata: ${runId}\n\n`);
  }

  close(): void {
    for (const res of this.events) res.end();
    this.events.clear();
  }

  /** Serves `route`; `runId`: the run that serves now, if any. */
  serve(route: string, req: http.IncomingMessage, res: http.ServerResponse, runId: string | undefined): void {
    if (route === 'client.js' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(CLIENT_SCRIPT);
    } else if (route === 'events' && req.method === 'GET') {
      if (this.events.size >= MAX_EVENT_CLIENTS) return this.opts.unavailable(res, 'Too many open pages follow this app.');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`retry: 500\n\n`);
      if (runId) res.write(`event: run\ndata: ${runId}\n\n`);
      this.events.add(res);
      req.socket.setTimeout(0);
      res.on('close', () => this.events.delete(res));
    } else if (route === 'console' && req.method === 'POST') {
      this.readConsole(req, res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found');
    }
  }

  private readConsole(req: http.IncomingMessage, res: http.ServerResponse): void {
    const done = (status: number) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end();
    };
    if (!this.fromOurPages(req)) return done(403);
    let body = '';
    let tooLarge = false;
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (tooLarge) return;
      body += c;
      if (body.length > MAX_CONSOLE_BODY) tooLarge = true;
    });
    req.on('end', () => {
      if (tooLarge) return done(413);
      const entry = parseConsoleEntry(body, (t) => this.opts.redact?.(t) ?? t);
      if (!entry) return done(400);
      if (!this.allow()) {
        this._dropped++;
        return done(429);
      }
      this.opts.onConsole?.(entry);
      done(204);
    });
  }

  /** A console message must come from a page of this app: its Origin is the proxy's own, or a forwarded one. */
  private fromOurPages(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return false;
    const port = this.opts.port();
    const own = [`http://${this.opts.host}:${port}`, `http://localhost:${port}`];
    return own.includes(origin) || (this.opts.origins?.() ?? []).includes(origin);
  }

  private allow(): boolean {
    const now = Date.now();
    if (now - this.window.start >= 1000) this.window = { start: now, count: 0 };
    return ++this.window.count <= CONSOLE_PER_SECOND;
  }
}
