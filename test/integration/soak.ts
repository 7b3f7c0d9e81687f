// A restart soak with real processes: warm and cold restarts, bursts of saves, a crash loop,
// an app that ignores SIGINT and SIGTERM, and one that leaves a double-forked daemon. Used by
// soak.test.ts (300 restarts, in CI) and scripts/soak.ts (`npm run soak`, 1,000, figures only).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { StartOutcome } from '../../src/core/supervisor';
import type { WarmLaunch } from '../../src/core/warm';
import { assertNoProcesses, get, sleep, startable } from './harness';

export interface SoakFigures {
  readonly restarts: number;
  /** Restarts that should have become ready and did not. */
  readonly failed: number;
  /** Restarts of the crash loop (expected to fail), and the crash reported each time. */
  readonly crashLoop: number;
  /** Bursts the machine's load split (a pause between two saves as long as the debounce). */
  readonly splitBursts: number;
  readonly byMode: Record<string, number>;
  readonly starts: Record<string, number>;
  readonly heapMiB: { readonly after: number; readonly before: number };
  readonly fds: { readonly after: number; readonly before: number };
  readonly seconds: number;
  readonly failures: string[];
}

/** The extension's default restartDebounceMs. */
const DEBOUNCE_MS = 300;

type Step = 'warm' | 'cold' | 'burst' | 'crash' | 'stubborn' | 'daemon';
/** One cycle of the soak; each step is one restart (a burst: one or two). */
const CYCLE: Step[] = ['warm', 'warm', 'warm', 'cold', 'burst', 'warm', 'crash', 'warm', 'stubborn', 'warm', 'daemon', 'warm'];

function heapMiB(): number {
  v8.setFlagsFromString('--expose_gc');
  (vm.runInNewContext('gc') as () => void)();
  return Math.round(process.memoryUsage().heapUsed / 1048576);
}
const openFds = () => fs.readdirSync('/proc/self/fd').length;

/** Runs about `restarts` restarts; never throws for a failed restart (they are counted), only for processes left. */
export async function soak(restarts: number, onProgress?: (done: number) => void): Promise<SoakFigures> {
  let warmOn = true;
  const app = startable('soak_app.py', 'script', { watch: false, warm: { enabled: () => warmOn }, stopGraceMs: () => 300, debounceMs: () => DEBOUNCE_MS });
  const modeFile = path.join(app.dir, 'mode.txt');
  const setMode = (m: string) => fs.writeFileSync(modeFile, m);
  const failures: string[] = [];
  const byMode: Record<string, number> = {};
  let done = 0;
  let crashLoop = 0;
  let splitBursts = 0;
  let version = 1;
  const t0 = Date.now();
  const expectReady = async (step: Step, outcome: StartOutcome) => {
    done++;
    byMode[step] = (byMode[step] ?? 0) + 1;
    if (outcome.kind !== 'ready') failures.push(`${step} #${done}: ${JSON.stringify(outcome)}`);
    else if (!(await get(outcome.url).catch(() => ({ body: '' }))).body.includes(`VERSION-${version}`)) failures.push(`${step} #${done}: not serving VERSION-${version}`);
  };
  const edit = () => {
    version++;
    fs.writeFileSync(app.file, fs.readFileSync(app.file, 'utf8').replace(/VERSION-\d+/, `VERSION-${version}`));
  };
  let before: { heap: number; fds: number } | undefined;
  try {
    setMode('serve');
    await app.startReady();
    for (let i = 0; done < restarts; i++) {
      if (i === CYCLE.length && !before) before = { heap: heapMiB(), fds: openFds() }; // after one cycle: everything lazily made exists
      const step = CYCLE[i % CYCLE.length]!;
      await (app.strategy as WarmLaunch).standbyReady();
      warmOn = step !== 'cold';
      if (step === 'burst') {
        const b0 = app.controller.supervisor.restarts;
        let last = Date.now();
        let longestGap = 0;
        for (let k = 0; k < 8; k++) {
          edit();
          await app.controller.fileSaved(app.file);
          await sleep(10);
          longestGap = Math.max(longestGap, Date.now() - last);
          last = Date.now();
        }
        await app.controller.idle();
        const made = app.controller.supervisor.restarts - b0;
        done += made - 1;
        // Saves closer together than the debounce are one burst: at most 2 restarts. A loaded
        // machine that paused longer between two saves made two bursts; that is counted, not failed.
        if (longestGap >= DEBOUNCE_MS) splitBursts++;
        else if (made < 1 || made > 2) failures.push(`burst of 8 saves (longest pause ${longestGap} ms) gave ${made} restarts`);
        await expectReady(step, { kind: 'ready', url: app.controller.supervisor.url!, status: 200 });
      } else if (step === 'crash') {
        setMode('crash');
        for (let k = 0; k < 3; k++) {
          const outcome = await app.controller.restartNow('crash loop');
          done++;
          crashLoop++;
          if (outcome.kind !== 'failed' || !/crashing at start on purpose/.test((outcome.error as { stderrTail?: string }).stderrTail ?? ''))
            failures.push(`crash loop: ${JSON.stringify(outcome)}`);
        }
        setMode('serve');
        await expectReady(step, await app.controller.restartNow('crash fixed'));
      } else {
        if (step === 'stubborn' || step === 'daemon') setMode(step);
        else setMode('serve');
        edit();
        await expectReady(step, await app.controller.restartNow(step));
      }
      onProgress?.(done);
    }
  } finally {
    await app.dispose(); // asserts no process of the soak is left, daemons included
  }
  await assertNoProcesses(app.marker);
  const starts: Record<string, number> = {};
  for (const l of app.log.lines) {
    const via = / start \(([^):]+)/.exec(l)?.[1];
    if (via) starts[via] = (starts[via] ?? 0) + 1;
  }
  return {
    restarts: done,
    failed: failures.length,
    crashLoop,
    splitBursts,
    byMode,
    starts,
    heapMiB: { before: before?.heap ?? 0, after: heapMiB() },
    fds: { before: before?.fds ?? 0, after: openFds() },
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    failures,
  };
}
