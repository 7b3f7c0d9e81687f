// The live process table, without spawning anything (Linux: /proc; macOS: ps; Windows: none):
// a tree's descendants, a group's members, processes carrying a run marker, and liveness.
// No `vscode` import.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Every process a run starts carries `DATA_APP_PREVIEW_RUN=<marker>` in its environment, and
 * its descendants inherit it. A daemon that double-forks into a session of its own leaves the
 * tree and the group, but not its environment: on Linux the marker finds it in /proc.
 */
export const RUN_MARKER_VAR = 'DATA_APP_PREVIEW_RUN';

const isWindows = process.platform === 'win32';

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
export async function listMarkedAsync(marker: string): Promise<number[]> {
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
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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

/**
 * Sends `sig` to each process group in `groups` (a group outlives its leader while members
 * remain, and its id cannot be reused then) and to each pid; one already gone is the goal.
 */
export function signalAll(sig: NodeJS.Signals, groups: Iterable<number>, pids: Iterable<number>): void {
  const send = (target: number) => {
    try {
      process.kill(target, sig);
    } catch {
      // already gone
    }
  };
  for (const g of groups) send(-g);
  for (const p of pids) send(p);
}

/**
 * What is alive of a run's tree now: the leader's descendants, its group's members, and the
 * processes carrying its marker (those that left both). `descendants` false: not the children
 * (once the leader is gone its pid may be reused, and another process's children are not ours).
 */
export function treeMembers(leader: number, marker: string | undefined, descendants = true): number[] {
  const found = new Set<number>();
  if (descendants) for (const d of listDescendants(leader)) found.add(d);
  for (const m of listGroupMembers(leader)) found.add(m);
  if (marker) for (const m of listMarked(marker)) found.add(m);
  return [...found];
}
