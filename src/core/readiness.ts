// Readiness: the server is ready when it answers HTTP. No `vscode` import.
import * as http from 'node:http';
import type { ExitInfo } from './process';

export interface ProbeResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
}

/** One GET; resolves with the status and headers, or undefined if nothing answered within `timeoutMs`. */
export function probe(url: string, timeoutMs = 1000): Promise<ProbeResponse | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: ProbeResponse | undefined) => {
      if (!done) {
        done = true;
        resolve(v);
      }
    };
    const req = http.get(url, { timeout: timeoutMs, headers: { 'User-Agent': 'data-app-preview-probe' }, agent: false }, (res) => {
      res.resume();
      finish({ status: res.statusCode ?? 0, headers: res.headers });
      req.destroy();
    });
    req.on('timeout', () => {
      req.destroy();
      finish(undefined);
    });
    req.on('error', () => finish(undefined));
  });
}

/** One GET; resolves with the status code, or undefined if nothing answered within `timeoutMs`. */
export async function probeHttp(url: string, timeoutMs = 1000): Promise<number | undefined> {
  return (await probe(url, timeoutMs))?.status;
}

export interface WaitOptions {
  readonly signal: AbortSignal;
  /** Fixed poll interval; by default 10 ms for 2 s, then 50 ms, then 200 ms after 15 s. */
  readonly intervalMs?: number;
  readonly attemptTimeoutMs?: number;
}

/** Poll quickly while a server usually comes up, then back off. */
export function pollInterval(elapsedMs: number): number {
  if (elapsedMs < 2000) return 10;
  if (elapsedMs < 15_000) return 50;
  return 200;
}

/**
 * Polls until the URL answers with any HTTP status (a 404 or 500 still means the server is up,
 * and the page shows the app's own error), or until aborted. Resolves with the status, or
 * undefined when aborted.
 */
export async function waitForHttp(url: string, opts: WaitOptions): Promise<number | undefined> {
  const t0 = Date.now();
  while (!opts.signal.aborted) {
    const interval = opts.intervalMs ?? pollInterval(Date.now() - t0);
    const status = await probeHttp(url, opts.attemptTimeoutMs ?? 2000);
    if (status !== undefined) return status;
    if (opts.signal.aborted) break;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, interval);
      function done() {
        clearTimeout(t);
        opts.signal.removeEventListener('abort', done);
        resolve();
      }
      opts.signal.addEventListener('abort', done, { once: true });
    });
  }
  return undefined;
}

/**
 * Readiness raced against the process's exit: `{status}` once `url` answers HTTP, `{exit}` if
 * the process exits first, `{status: undefined}` once `signal` aborts. The probe stops on any.
 */
export function readyOrExit(url: string, exited: Promise<ExitInfo>, signal: AbortSignal): Promise<{ status?: number | undefined } | { exit: ExitInfo }> {
  const probing = new AbortController();
  const stop = () => probing.abort();
  signal.addEventListener('abort', stop, { once: true });
  return Promise.race([waitForHttp(url, { signal: probing.signal }).then((status) => ({ status })), exited.then((exit) => ({ exit }))]).finally(() => {
    probing.abort();
    signal.removeEventListener('abort', stop);
  });
}
