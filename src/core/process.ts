// A child process that owns its whole tree: its own process group (POSIX), stopped with a
// graceful signal first and escalated after timeouts; on Windows `taskkill /T`.
// No `vscode` import.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * Every process a run starts carries `DATA_APP_PREVIEW_RUN=<marker>` in its environment, and
 * its descendants inherit it. A daemon that double-forks into a session of its own leaves the
 * tree and the group, but not its environment: on Linux the marker finds it in /proc.
 */
export const RUN_MARKER_VAR = 'DATA_APP_PREVIEW_RUN';

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

/** Live (non-zombie) processes whose environment holds `RUN_MARKER_VAR=marker` (Linux; elsewhere none). */
export function listMarked(marker: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${RUN_MARKER_VAR}=${marker}\0`);
  const out: number[] = [];
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = fs.readFileSync(`/proc/${name}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    if (environ.includes(needle) && isAlive(Number(name))) out.push(Number(name));
  }
  return out;
}

/** listMarked without blocking the event loop (used while waiting for a tree to go). */
async function listMarkedAsync(marker: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${RUN_MARKER_VAR}=${marker}\0`);
  const names = (await fs.promises.readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  const out: number[] = [];
  // A few at a time: a scan never holds many file descriptors.
  for (let i = 0; i < names.length; i += 32) {
    await Promise.all(
      names.slice(i, i + 32).map(async (name) => {
        const environ = await fs.promises.readFile(`/proc/${name}/environ`).catch(() => undefined);
        if (environ?.includes(needle) && isAlive(Number(name))) out.push(Number(name));
      }),
    );
  }
  return out;
}

/** Whether any process is left in the group `pgid` (POSIX: signal 0 to the group). */
function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StopOptions {
  /** How long each graceful step may take before escalating. */
  readonly graceMs: number;
}

export class LaunchError extends Error {
  override readonly name = 'LaunchError';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

const isWindows = process.platform === 'win32';

/** Every process whose ancestry leads to `root` (not `root` itself), from the live process table. */
export function listDescendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of readProcessTable()) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift()!;
    for (const c of children.get(p) ?? []) {
      if (!out.includes(c)) {
        out.push(c);
        queue.push(c);
      }
    }
  }
  return out;
}

/** Live processes in the group `pgid` (members stay in it after their leader exits). */
export function listGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const [pid, e] of readProcessTable()) if (e.pgid === pgid) out.push(pid);
  return out;
}

interface ProcEntry {
  readonly ppid: number;
  readonly pgid: number;
}

function readProcessTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  if (process.platform === 'linux') {
    for (const name of safeReaddir('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const stat = safeRead(`/proc/${name}/stat`);
      if (!stat) continue;
      // pid (comm) state ppid …; comm may contain spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      const pgid = Number(rest[2]);
      if (rest[0] !== 'Z' && Number.isFinite(ppid)) table.set(Number(name), { ppid, pgid });
    }
    return table;
  }
  if (isWindows) return table;
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,pgid='], { encoding: 'utf8' });
  for (const line of (ps.stdout ?? '').split('\n')) {
    const [pid, ppid, pgid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined && pgid !== undefined && Number.isFinite(ppid)) table.set(pid, { ppid, pgid });
  }
  return table;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform === 'linux') {
    const stat = safeRead(`/proc/${pid}/stat`);
    if (stat === undefined) return false;
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: that is the goal.
  }
}

export class ManagedProcess {
  readonly pid: number;
  /** The value of RUN_MARKER_VAR in this process's environment and its descendants'. */
  readonly marker: string;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  /** Every pid seen in the tree, so that children that left the group are still stopped. */
  private readonly known = new Set<number>();
  private stopping: Promise<ExitInfo> | undefined;

  private constructor(private readonly child: ChildProcess, pid: number, marker: string) {
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
      if (!this.hasExited) for (const d of listDescendants(this.pid)) this.known.add(d);
      for (const m of listGroupMembers(this.pid)) this.known.add(m);
      for (const m of listMarked(this.marker)) this.known.add(m);
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
    signal(-this.pid, sig);
    for (const p of pids) signal(p, sig); // members that moved to another group or session
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
      await Promise.race([this.hasExited ? undefined : this.exited, new Promise((r) => (timer = setTimeout(r, Math.min(20, left))))].filter(Boolean));
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
    signal(-this.pid, 'SIGKILL');
    for (const p of pids) signal(p, 'SIGKILL');
  }
}
