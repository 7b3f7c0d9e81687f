// The app server's state machine. Every transition goes through `transition`, so an illegal
// one is a bug that throws instead of a silent mix-up of states.
export const APP_STATES = ['stopped', 'starting', 'ready', 'restarting', 'crashed', 'stopping'] as const;
export type AppState = (typeof APP_STATES)[number];

export type AppEvent =
  | 'start' // a first start (or a start after a crash/stop)
  | 'restart' // a restart of a running or crashed app
  | 'ready' // the server answered HTTP
  | 'fail' // it exited before being ready, or could not be launched
  | 'exit' // it exited while ready
  | 'stop' // a stop was asked
  | 'stopped'; // the process tree is gone

const TABLE: Readonly<Record<AppState, Partial<Record<AppEvent, AppState>>>> = {
  stopped: { start: 'starting', restart: 'starting', stop: 'stopped' },
  starting: { ready: 'ready', fail: 'crashed', exit: 'crashed', stop: 'stopping', restart: 'restarting' },
  ready: { restart: 'restarting', exit: 'crashed', stop: 'stopping' },
  restarting: { ready: 'ready', fail: 'crashed', exit: 'crashed', stop: 'stopping', restart: 'restarting' },
  crashed: { start: 'starting', restart: 'restarting', stop: 'stopping' },
  stopping: { stopped: 'stopped', stop: 'stopping' },
};

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
}

export function transition(state: AppState, event: AppEvent): AppState {
  const next = TABLE[state][event];
  if (!next) throw new IllegalTransitionError(`No transition from "${state}" on "${event}"`);
  return next;
}

export function canTransition(state: AppState, event: AppEvent): boolean {
  return TABLE[state][event] !== undefined;
}

/** States in which a server process may exist. */
export function isRunningState(state: AppState): boolean {
  return state === 'starting' || state === 'ready' || state === 'restarting';
}

export interface StateChange {
  readonly state: AppState;
  readonly previous: AppState;
  readonly error?: Error | undefined;
}

/** The current state, the last error, and listeners told of every transition. */
export class StateMachine {
  private _state: AppState = 'stopped';
  private _lastError: Error | undefined;
  private readonly listeners = new Set<(e: StateChange) => void>();

  constructor(private readonly log: { debug(m: string): void; error(m: Error): void }) {}

  get state(): AppState {
    return this._state;
  }

  /** The error of the last failure; cleared once a run is ready. */
  get lastError(): Error | undefined {
    return this._lastError;
  }

  onDidChange(listener: (e: StateChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Takes the transition for `event` (an illegal one throws), then tells every listener. */
  move(event: AppEvent, error?: Error): void {
    const previous = this._state;
    this._state = transition(previous, event);
    if (error) this._lastError = error;
    if (this._state === 'ready') this._lastError = undefined;
    this.log.debug(`state ${previous} → ${this._state} (${event})`);
    for (const l of [...this.listeners]) {
      try {
        l({ state: this._state, previous, error });
      } catch (e) {
        this.log.error(e as Error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
