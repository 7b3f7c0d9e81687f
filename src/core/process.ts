// A child process that owns its whole tree: its own process group (POSIX), stopped with a
// graceful signal first and escalated after timeouts; on Windows `taskkill /T`.
// No `vscode` import.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { groupExists, isAlive, listMarkedAsync, RUN_MARKER_VAR, signalAll, treeMembers } from './proc-table';

export { isAlive, listDescendants, listGroupMembers, listMarked, RUN_MARKER_VAR } from './proc-table';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly onStdout?: (text: string) => void;
  readonly onStderr?: (text: string) => void;
  /** Keep a pipe to its stdin (the warm standby reads "go" there); otherwise stdin is /dev/null. */
  readonly stdin?: boolean;
}

export interface StopOptions {
  /** How long each graceful step may take before escalating. */
  readonly graceMs: number;
}

export class LaunchError extends Error {
  override readonly name = 'LaunchError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const isWindows = process.platform === 'win32';

export class ManagedProcess {
  readonly pid: number;
  /** The value of RUN_MARKER_VAR in this process's environment and its descendants'. */
  readonly marker: string;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  /** Every pid seen in the tree, so that children that left the group are still stopped. */
  private readonly known = new Set<number>();
  private stopping: Promise<ExitInfo> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    pid: number,
    marker: string,
  ) {
    this.pid = pid;
    this.marker = marker;
    this.known.add(pid);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, sig) => {
        this.exitInfo = { code, signal: sig };
        resolve(this.exitInfo);
      });
    });
  }

  /**
   * Spawns `command args` (an argument array, never a shell) in a process group of its own.
   * Rejects with a LaunchError if the executable cannot be started at all.
   */
  static spawn(command: string, args: readonly string[], opts: SpawnOptions): Promise<ManagedProcess> {
    const marker = randomBytes(12).toString('hex');
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(command, [...args], {
          cwd: opts.cwd,
          env: { ...opts.env, [RUN_MARKER_VAR]: marker },
          detached: !isWindows, // setsid(): own session and process group
          stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
          windowsHide: true,
          shell: false,
        });
      } catch (e) {
        reject(new LaunchError(`Could not start ${command}: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code));
        return;
      }
      child.stdin?.on('error', () => undefined); // EPIPE when it exits: the exit is reported elsewhere
      child.stdout?.setEncoding('utf8');
      child.stderr?.setEncoding('utf8');
      if (opts.onStdout) child.stdout?.on('data', opts.onStdout);
      if (opts.onStderr) child.stderr?.on('data', opts.onStderr);
      child.once('error', (e: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          const hint = e.code === 'ENOENT' ? ` (not found: is "${command}" installed and on PATH?)` : '';
          reject(new LaunchError(`Could not start ${command}${hint}: ${e.message}`, e.code));
        }
      });
      child.once('spawn', () => resolve(new ManagedProcess(child, child.pid!, marker)));
    });
  }

  /** Writes to the process's stdin pipe (spawned with `stdin: true`). */
  writeStdin(text: string): void {
    this.child.stdin?.write(text);
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Pids of the tree that are still alive (the leader included while it lives). */
  liveTree(): number[] {
    if (!isWindows) {
      for (const m of treeMembers(this.pid, this.marker, !this.hasExited)) this.known.add(m);
    }
    return [...this.known].filter(isAlive);
  }

  /** Whether anything of the tree may still live, from cheap checks (known pids, the group). */
  private mayLive(): boolean {
    return !this.hasExited || (!isWindows && groupExists(this.pid)) || [...this.known].some(isAlive);
  }

  /** The whole check, without blocking the event loop: known pids, the group, and marked processes. */
  private async goneNow(): Promise<boolean> {
    if (this.mayLive()) return false;
    for (const m of await listMarkedAsync(this.marker)) this.known.add(m);
    return ![...this.known].some(isAlive);
  }

  /**
   * Stops the whole tree: SIGINT (Python runs `finally` and atexit), then SIGTERM, then SIGKILL,
   * each after `graceMs` (SIGKILL after at most 1 s of SIGTERM). Resolves once every process
   * of the tree is gone. Idempotent.
   */
  stop(opts: StopOptions): Promise<ExitInfo> {
    this.stopping ??= this.doStop(opts);
    return this.stopping;
  }

  private async doStop(opts: StopOptions): Promise<ExitInfo> {
    if (isWindows) {
      spawnSync('taskkill', ['/pid', String(this.pid), '/T'], { windowsHide: true });
      if (!(await this.waitGone(opts.graceMs))) spawnSync('taskkill', ['/pid', String(this.pid), '/T', '/F'], { windowsHide: true });
      return this.exited;
    }
    const steps: Array<[NodeJS.Signals, number]> = [
      ['SIGINT', opts.graceMs],
      ['SIGTERM', Math.min(opts.graceMs, 1000)],
      ['SIGKILL', 5000],
    ];
    for (const [sig, wait] of steps) {
      this.sendToTree(sig);
      if (await this.waitGone(wait)) break;
    }
    const info = await this.exited;
    this.child.stdin?.destroy();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    return info;
  }

  private sendToTree(sig: NodeJS.Signals): void {
    const pids = this.liveTree();
    // The group outlives its leader while members remain, and its id cannot be reused then.
    signalAll(sig, [this.pid], pids); // pids: members that moved to another group or session
  }

  /**
   * Waits until the leader has exited and nothing of the tree lives; false on timeout. Wakes on
   * the leader's exit at once, then polls with cheap checks (a signal 0 per known pid and to the
   * group); the /proc scan for marked processes runs only when those say everything is gone.
   */
  private async waitGone(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (await this.goneNow()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = new Promise<void>((r) => (timer = setTimeout(r, Math.min(20, left))));
      await Promise.race(this.hasExited ? [tick] : [this.exited, tick]);
      clearTimeout(timer);
    }
  }

  /** Last resort when the host itself exits: SIGKILL everything now, synchronously. */
  killNow(): void {
    if (isWindows) {
      spawnSync('taskkill', ['/pid', String(this.pid), '/T', '/F'], { windowsHide: true });
      return;
    }
    const pids = this.liveTree();
    signalAll('SIGKILL', [this.pid], pids);
  }
}
