// What a supervisor tells about its runs (the status bar, the preview's toolbar, tests): port,
// URL, restart count and timing, and how the current run was started. Read-only outside; the
// supervisor that extends it writes them. No `vscode` import.
export abstract class RunFacts {
  protected _port: number | undefined;
  protected _url: string | undefined;
  protected _restarts = 0;
  protected _lastRestartAt: number | undefined;
  protected _lastStartMs: number | undefined;
  protected _lastVia: string | undefined;

  /** The app server's port (behind the front proxy, when there is one). */
  get port(): number | undefined {
    return this._port;
  }
  /** The app server's own URL of the page. */
  get url(): string | undefined {
    return this._url;
  }
  get restarts(): number {
    return this._restarts;
  }
  get lastRestartAt(): number | undefined {
    return this._lastRestartAt;
  }
  /** Milliseconds from the last (re)start request to the server answering HTTP. */
  get lastStartMs(): number | undefined {
    return this._lastStartMs;
  }
  /** How the current run was started ("hot", "warm", "cold", "cold: why", "warm (not hot: why)"). */
  get lastVia(): string | undefined {
    return this._lastVia;
  }
}
