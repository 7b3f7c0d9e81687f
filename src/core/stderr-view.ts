// An app's stderr as its output channel shows it: without our own traceback frames, and with
// the traceback of a normal stop (after our own signal) folded into one line. No `vscode` import.
import { foldShutdownNoise, FrameFilter } from './tracebacks';

/** What a stopping run may write before it is shown anyway (bounded memory). */
const MAX_HELD = 256_000;

export class StderrView {
  private readonly filters = new Map<string, FrameFilter>();
  /** Stderr of runs being stopped on purpose, held until they are gone. */
  private readonly held = new Map<string, string>();

  /** Text of run `runId`; `stopping`: our stop signal was sent. Returns what to show now. */
  push(text: string, runId: string, stopping: boolean): string {
    let filter = this.filters.get(runId);
    if (!filter) this.filters.set(runId, (filter = new FrameFilter()));
    const shown = filter.push(text);
    if (!stopping) return shown;
    const held = (this.held.get(runId) ?? '') + shown;
    if (held.length <= MAX_HELD) {
      this.held.set(runId, held);
      return '';
    }
    this.held.delete(runId);
    return held;
  }

  /** A partial line of a run that is not stopping, once it has waited long enough. */
  flushPartial(runId: string): string {
    if (this.held.has(runId)) return '';
    return this.filters.get(runId)?.flush() ?? '';
  }

  /** Whether run `runId` has a partial line waiting. */
  hasPartial(runId: string): boolean {
    return this.filters.get(runId)?.pending ?? false;
  }

  /** Run `runId` is gone: what it wrote while stopping, shutdown tracebacks folded. */
  ended(runId: string): string {
    const rest = (this.held.get(runId) ?? '') + (this.filters.get(runId)?.flush() ?? '');
    this.held.delete(runId);
    this.filters.delete(runId);
    if (!rest) return '';
    const { text } = foldShutdownNoise(rest);
    return text;
  }
}
