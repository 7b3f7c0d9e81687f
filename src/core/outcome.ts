// What a start of an app comes to, and how a start failure is described. No `vscode` import.
import type { ExitInfo } from './process';

export class AppStartError extends Error {
  override readonly name = 'AppStartError';
  constructor(
    message: string,
    readonly stderrTail: string,
    readonly exit?: ExitInfo,
    readonly cause?: unknown,
  ) {
    super(message);
  }
}

export type StartOutcome =
  | { readonly kind: 'ready'; readonly url: string; readonly status: number }
  | { readonly kind: 'failed'; readonly error: Error }
  /** Not ready within the timeout; the probe goes on and the state changes when it answers. */
  | { readonly kind: 'timeout'; readonly url: string }
  | { readonly kind: 'cancelled' };

export const CANCELLED: StartOutcome = { kind: 'cancelled' };

export function describeExit(info: ExitInfo): string {
  if (info.signal) return `killed by ${info.signal}`;
  return `exit code ${info.code}`;
}
