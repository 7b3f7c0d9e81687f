// The app's front proxy in the editor: the one port the preview and Open in Browser use (the
// `port` setting, or a free one kept for the session), following the app's runs. What the
// app's pages write to the browser console goes to the app's output, counted for the preview.
import { redact } from '../azure/connection';
import { formatConsoleEntry } from '../core/browser-console';
import { followSupervisor } from '../core/front-door';
import { FrontProxy } from '../core/front-proxy';
import type { Logger } from '../core/log';
import { PortInUseError } from '../core/ports';
import type { AppSupervisor } from '../core/supervisor';
import { Disposable } from '../util/dispose';

export interface AppFrontDeps {
  readonly host: string;
  readonly log: Logger;
  readonly supervisor: AppSupervisor;
  /** Lines for the app's output channel. */
  append(text: string): void;
  /** The console count changed. */
  changed(): void;
}

export class AppFront extends Disposable {
  private proxy: FrontProxy | undefined;
  private following: { dispose(): void } | undefined;
  private forwarded: { prefix: string; origins: readonly string[] } = { prefix: '/', origins: [] };
  private _console = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: AppFrontDeps) {
    super();
    this._register(
      deps.supervisor.onDidChangeState((e) => {
        if (e.state === 'starting' || e.state === 'restarting') this._console = 0; // counted per run
      }),
    );
    this._register({ dispose: () => void this.close() });
  }

  /** Browser console messages of the current run so far. */
  get consoleCount(): number {
    return this._console;
  }

  /** The port pages load the app from (0 before the first start). */
  get port(): number {
    return this.proxy?.port ?? 0;
  }

  /** The forwarded path and origin the browser sees (code-server's /proxy/<port>/), for the script tag and the console check. */
  setForwarded(prefix: string, origins: readonly string[]): void {
    this.forwarded = { prefix, origins };
  }

  /**
   * Listening on `preferred` (0: the port it has, or any free one). A changed `port` setting
   * moves it at the next start. A busy port is a PortInUseError.
   */
  listen(preferred: number): Promise<number> {
    // One at a time: the session's first call (for the preview's origins) and a start's overlap.
    const next = this.queue.then(() => this.listenNow(preferred));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async listenNow(preferred: number): Promise<number> {
    if (this.proxy && (preferred === 0 || preferred === this.proxy.port)) return this.proxy.port;
    await this.close();
    const proxy = new FrontProxy({
      host: this.deps.host,
      port: preferred,
      log: this.deps.log,
      prefix: () => this.forwarded.prefix,
      origins: () => this.forwarded.origins,
      redact,
      onConsole: (entry) => {
        this._console++;
        this.deps.append(formatConsoleEntry(entry));
        this.deps.changed();
      },
    });
    try {
      await proxy.listen();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(preferred);
      throw e;
    }
    if (this.isDisposed) {
      await proxy.close();
      throw new Error('the app was closed');
    }
    this.proxy = proxy;
    this.following = followSupervisor(proxy, this.deps.supervisor);
    this.deps.log.info(`Front proxy on http://${this.deps.host}:${proxy.port}/ (the preview and Open in Browser use it across restarts)`);
    return proxy.port;
  }

  private async close(): Promise<void> {
    const proxy = this.proxy;
    this.proxy = undefined;
    this.following?.dispose();
    this.following = undefined;
    await proxy?.close();
  }
}
