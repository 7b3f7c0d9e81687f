// The processes an end-to-end test looks for in /proc: the workspace's Python processes, and
// debugpy adapters.
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
