// The logging shape the core needs. vscode.LogOutputChannel satisfies it; tests pass a recorder.
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

export const silentLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The same log, each line prefixed with `name: ` (one app's lines in the extension's log). */
export function prefixed(log: Logger, name: string): Logger {
  return {
    trace: (m) => log.trace(`${name}: ${m}`),
    debug: (m) => log.debug(`${name}: ${m}`),
    info: (m) => log.info(`${name}: ${m}`),
    warn: (m) => log.warn(`${name}: ${m}`),
    error: (m) => log.error(typeof m === 'string' ? `${name}: ${m}` : m),
  };
}
