// Host side of the reaper (see src/reaper/main.ts): registers app process trees with a
// detached watchdog that kills them if this process dies without stopping them.
// No `vscode` import.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

export interface ProcessTracker {
  /** `marker`: the run's RUN_MARKER_VAR value, so that processes which left the tree are found too. */
  track(pid: number, marker?: string): void;
  untrack(pid: number): void;
}

export class Reaper implements ProcessTracker {
  private child: ChildProcess | undefined;

  /** `script`: the reaper's JS file; `nodePath`: a node (or Electron run as node) binary. */
  constructor(
    private readonly script: string,
    private readonly nodePath = process.execPath,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  track(pid: number, marker?: string): void {
    this.write(`+${pid}${marker && /^[0-9a-f]+$/.test(marker) ? ` ${marker}` : ''}\n`);
  }

  untrack(pid: number): void {
    if (this.child) this.write(`-${pid}\n`);
  }

  private write(line: string): void {
    const stdin = this.ensure().stdin;
    stdin?.write(line);
  }

  private ensure(): ChildProcess {
    if (this.child && this.child.exitCode === null) return this.child;
    const child = spawn(this.nodePath, [this.script], {
      detached: true, // its own session: not killed with the host's process group
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      windowsHide: true,
    });
    child.on('error', () => undefined);
    child.unref();
    (child.stdin as (Writable & { unref?: () => void }) | null)?.on('error', () => undefined);
    // The pipe must not keep the host alive.
    (child.stdin as unknown as { _handle?: { unref?: () => void } })?._handle?.unref?.();
    this.child = child;
    return child;
  }

  /** Ends the lifeline: anything still registered is killed, then the reaper exits. */
  dispose(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}
