// The reaper: a tiny detached process that outlives the extension host only long enough to
// stop app servers the host could not stop (host killed, crashed, or stopped without
// deactivate). The host writes "+PID" / "-PID" lines on stdin; when stdin closes, every
// registered process tree is killed. Bundled as dist/reaper.js.
import { isAlive, listDescendants, listGroupMembers } from '../core/process';

const tracked = new Set<number>();
let buffer = '';

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

function reapAll(): void {
  const victims = new Set<number>();
  for (const pid of tracked) {
    victims.add(pid);
    for (const d of listDescendants(pid)) victims.add(d);
    for (const m of listGroupMembers(pid)) victims.add(m);
  }
  for (const pid of tracked) kill(-pid, 'SIGKILL');
  for (const pid of victims) kill(pid, 'SIGKILL');
  const deadline = Date.now() + 2000;
  while ([...victims].some(isAlive) && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  process.exit(0);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffer += chunk;
  let nl: number;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl).trim();
    buffer = buffer.slice(nl + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 1) continue;
    if (line.startsWith('+')) tracked.add(pid);
    else if (line.startsWith('-')) tracked.delete(pid);
  }
});
process.stdin.on('end', reapAll);
process.stdin.on('error', reapAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, reapAll);
