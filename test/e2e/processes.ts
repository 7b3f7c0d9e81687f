// The processes an end-to-end test looks for in /proc: the workspace's Python processes, and
// the one that listens on an app's port.
import * as fs from 'node:fs';
import { isAlive } from '../../src/core/process';

const pids = (): number[] =>
  fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);

/**
 * Python processes of `workspace` (their command lines name it, or they run in it): app servers
 * (cold, hot), and warm standbys, which also serve a warm run (`dap_standby.py` stays their
 * command line).
 */
export function workspacePythons(workspace: string, which: 'servers' | 'standbys' | 'all'): number[] {
  return pids().filter((pid) => {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/python/.test(cmd) || !isAlive(pid)) return false;
      // Its command line names the workspace, or it runs in it (a warm run's standby names only the app).
      if (!cmd.includes(workspace) && !fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(workspace)) return false;
      return which === 'all' || (which === 'standbys') === cmd.includes('dap_standby.py');
    } catch {
      return false; // gone
    }
  });
}

/** The process listening on 127.0.0.1:`port`, cold or warm. */
export function listenerOf(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const row = fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A'); // 0A: LISTEN
  if (!row) return undefined;
  const socket = `socket:[${row[9]}]`;
  for (const pid of pids()) {
    try {
      if (fs.readdirSync(`/proc/${pid}/fd`).some((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === socket)) return pid;
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

/** debugpy adapters (Debug App's runs start one each; it must go with its run). */
export function debugAdapters(): number[] {
  return pids().filter((pid) => {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmd.some((a) => /debugpy[/\\]adapter$/.test(a)) && isAlive(pid);
    } catch {
      return false;
    }
  });
}
