// The reaper: a tiny detached process that outlives the extension host only long enough to
// stop app servers the host could not stop (host killed, crashed, or stopped without
// deactivate). The host writes "+PID [MARKER]" / "-PID" lines on stdin; when stdin closes,
// every registered process tree is killed, with every process that carries a registered run
// marker in its environment (daemons that left the tree). Bundled as dist/reaper.js.
import { isAlive, signalAll, treeMembers } from '../core/proc-table';

/** Tracked leader pid → its run marker ('' when none was given). */
const tracked = new Map<number, string>();
let buffer = '';

/** Everything of the tracked runs that lives now. */
function victims(): Set<number> {
  const found = new Set<number>();
  for (const [pid, marker] of tracked) for (const p of [pid, ...treeMembers(pid, marker || undefined)]) found.add(p);
  return found;
}

function reapAll(): void {
  const all = victims();
  signalAll('SIGKILL', tracked.keys(), all);
  // A daemon may fork once more while the first round lands: look again until nothing is found.
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    const left = [...victims()].filter(isAlive);
    signalAll('SIGKILL', [], left);
    for (const pid of left) all.add(pid);
    if (![...all].some(isAlive)) break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  process.exit(0);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffer += chunk;
  let nl: number;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const [head = '', marker = ''] = buffer.slice(0, nl).trim().split(' ');
    buffer = buffer.slice(nl + 1);
    const pid = Number(head.slice(1));
    if (!Number.isInteger(pid) || pid <= 1) continue;
    if (head.startsWith('+')) tracked.set(pid, /^[0-9a-f]+$/.test(marker) ? marker : '');
    else if (head.startsWith('-')) tracked.delete(pid);
  }
});
process.stdin.on('end', reapAll);
process.stdin.on('error', reapAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, reapAll);
