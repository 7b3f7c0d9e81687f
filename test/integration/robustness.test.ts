// Failure paths with real processes: nothing is ever left running.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PortInUseError } from '../../src/core/ports';
import { LaunchError } from '../../src/core/process';
import { hasModule } from '../../src/core/python';
import { AppStartError, type RunInfo, type StartOutcome } from '../../src/core/supervisor';
import { assertNoProcesses, get, isAlivePid, processesWithMarker, PYTHON, sleep, startable, waitFor, type TestApp } from './harness';

describe('the orphan check itself', () => {
  it('sees a process that carries the marker, and stops seeing it once killed', async () => {
    const marker = `dap-selftest-${process.pid}`;
    const child = spawn(PYTHON, ['-c', 'import time; time.sleep(60)'], { env: { ...process.env, DAP_TEST_MARKER: marker }, stdio: 'ignore' });
    await sleep(200);
    assert.deepEqual(processesWithMarker(marker), [child.pid]);
    child.kill('SIGKILL');
    await assertNoProcesses(marker);
  });
});

describe('stopping', () => {
  it('an app that ignores SIGINT and SIGTERM is still killed', async () => {
    const app = startable('ignores_signals.py', 'script', { stopGraceMs: () => 300 });
    try {
      await app.startReady();
      const pid = app.controller.supervisor.pid!;
      const t0 = Date.now();
      await app.controller.stop();
      assert.equal(isAlivePid(pid), false);
      assert.ok(Date.now() - t0 >= 300, 'it was given its grace period first');
      assert.match(app.log.lines.join('\n'), /stopped \(killed by SIGKILL\)/);
    } finally {
      await app.dispose();
    }
  });

  it('grandchildren are gone after stop, also one that moved to its own session and a double-forked daemon that ignores signals', async () => {
    const pidsFile = path.join(fs.mkdtempSync('/tmp/dap-pids-'), 'pids');
    const app = startable('spawns_children.py', 'script', { env: { PIDS_FILE: pidsFile } });
    try {
      await app.startReady();
      const [sameGroup, newSession, daemon] = fs.readFileSync(pidsFile, 'utf8').split(' ').map(Number) as [number, number, number];
      assert.ok(isAlivePid(sameGroup) && isAlivePid(newSession) && isAlivePid(daemon));
      assert.notEqual(ppidOf(daemon), app.controller.supervisor.pid, "the daemon is not the app's child");
      assert.ok(app.controller.supervisor.livePids().includes(newSession), 'the tree includes the escaped grandchild');
      assert.ok(app.controller.supervisor.livePids().includes(daemon), 'and the daemon');
      await app.controller.stop();
      assert.equal(isAlivePid(sameGroup), false, 'grandchild in the group');
      assert.equal(isAlivePid(newSession), false, 'grandchild in its own session');
      assert.equal(isAlivePid(daemon), false, 'the daemon');
    } finally {
      await app.dispose();
    }
  });

  it('a restart stops the old tree before the new one starts', async () => {
    const pidsFile = path.join(fs.mkdtempSync('/tmp/dap-pids-'), 'pids');
    const app = startable('spawns_children.py', 'script', { env: { PIDS_FILE: pidsFile } });
    try {
      await app.startReady();
      const before = fs.readFileSync(pidsFile, 'utf8').split(' ').map(Number);
      assert.equal(before.length, 3);
      assert.equal((await app.controller.restartNow('test')).kind, 'ready');
      for (const pid of before) assert.equal(isAlivePid(pid), false, `${pid} of the old run (its daemon included) is gone`);
      assert.equal(app.controller.supervisor.livePids().length, 4, 'only the new tree runs: the app, two grandchildren and a daemon');
    } finally {
      await app.dispose();
    }
  });
});

/** The parent pid of a live process (Linux). */
function ppidOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('stop and restart while a start is under way', () => {
  /** An app whose start waits at `where` (preparing, or opening its hooks) until released. */
  function gated(where: 'prepare' | 'hook') {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const opened: string[] = [];
    const closed: string[] = [];
    const hook = {
      openRun: async (run: RunInfo) => {
        opened.push(run.id);
        if (where === 'hook') await gate;
        return {};
      },
      closeRun: async (run: RunInfo) => void closed.push(run.id),
    };
    const app = startable('stdlib_app.py', 'script', { readyTimeoutMs: () => 60_000, hooks: [hook], wrap: async (spec) => (where === 'prepare' ? gate.then(() => spec) : spec) });
    const spawned = () => app.log.lines.filter((l) => / start \(/.test(l)).length;
    return { app, release, opened, closed, spawned };
  }

  for (const where of ['prepare', 'hook'] as const) {
    it(`Stop while the run is ${where === 'prepare' ? 'preparing' : 'opening its hooks'} ends it at once: nothing is spawned, no hook stays open`, async () => {
      const { app, release, opened, closed, spawned } = gated(where);
      try {
        const starting = app.controller.start();
        await sleep(100);
        assert.equal(app.controller.supervisor.state, 'starting');
        const stopping = app.controller.stop();
        release();
        await stopping;
        assert.equal((await starting).kind, 'cancelled');
        assert.equal(app.controller.supervisor.state, 'stopped');
        assert.equal(spawned(), 0, 'no process was spawned');
        assert.deepEqual(closed, opened, 'every hook that opened was closed');
      } finally {
        await app.dispose();
      }
    });
  }

  it('Restart while the run is preparing gives exactly one process, ready', async () => {
    const { app, release, spawned } = gated('prepare');
    try {
      const starting = app.controller.start();
      await sleep(100);
      const restarting = app.controller.restartNow('restart during prepare');
      release();
      assert.equal((await starting).kind, 'cancelled');
      assert.equal((await restarting).kind, 'ready');
      assert.equal(spawned(), 1, 'only the restart spawned');
      assert.equal(app.controller.supervisor.livePids().length, 1);
    } finally {
      await app.dispose();
    }
  });
});

describe('crashes', () => {
  it('an app that crashes at import is reported with its traceback, and a fix brings it back', async () => {
    const app = startable('crash_at_import.py', 'script');
    try {
      const outcome = await app.controller.start();
      assert.equal(outcome.kind, 'failed');
      const err = (outcome as { error: Error }).error;
      assert.ok(err instanceof AppStartError);
      assert.match(err.message, /exited before it was ready \(exit code 1\)/);
      assert.match(err.stderrTail, /Traceback \(most recent call last\)/);
      assert.match(err.stderrTail, /in load_config/);
      assert.match(err.stderrTail, /JSONDecodeError/);
      assert.equal(app.controller.supervisor.state, 'crashed');
      assert.equal(app.controller.supervisor.lastError, err);
      await assertNoProcesses(app.marker);

      // Fixing the file restarts it from the crashed state.
      fs.writeFileSync(app.file, fs.readFileSync(path.join(__dirname, '../../../test/fixtures/apps/stdlib_app.py'), 'utf8'));
      await waitFor('the fixed app', () => (app.controller.supervisor.state === 'ready' ? true : undefined));
      assert.match((await get(app.controller.supervisor.url!)).body, /VERSION-1/);
    } finally {
      await app.dispose();
    }
  });

  it('a ready app that exits on its own becomes crashed with its output', async () => {
    const app = startable('stdlib_app.py', 'script');
    try {
      await app.startReady();
      process.kill(app.controller.supervisor.pid!, 'SIGKILL');
      await waitFor('the crash', () => (app.controller.supervisor.state === 'crashed' ? true : undefined));
      assert.match(app.controller.supervisor.lastError!.message, /exited \(killed by SIGKILL\)/);
    } finally {
      await app.dispose();
    }
  });

  it('a server that never answers times out but keeps waiting, and stops cleanly', async () => {
    const app = startable('never_ready.py', 'script', { readyTimeoutMs: () => 600 });
    try {
      const outcome = await app.controller.start();
      assert.equal(outcome.kind, 'timeout');
      assert.equal(app.controller.supervisor.state, 'starting');
      assert.ok(isAlivePid(app.controller.supervisor.pid!), 'still running: the user chooses to keep waiting or stop');
      await app.controller.stop();
      assert.equal(app.controller.supervisor.state, 'stopped');
    } finally {
      await app.dispose();
    }
  });

  it('a missing interpreter is a clear launch error with nothing running', async () => {
    const app = startable('stdlib_app.py', 'custom', {});
    try {
      const sup = app.controller.supervisor;
      // Swap in a command that does not exist.
      (app.controller as unknown as { opts: { prepare: unknown } }).opts.prepare = async (port: number) => ({
        spec: { framework: 'custom', command: '/nonexistent/python3', args: [app.file], cwd: app.dir, env: {}, urlPath: '/' },
        env: { ...process.env, DAP_TEST_MARKER: app.marker, PORT: String(port) },
      });
      const outcome = await app.controller.start();
      assert.equal(outcome.kind, 'failed');
      const err = (outcome as { error: Error }).error;
      assert.ok(err instanceof LaunchError);
      assert.match(err.message, /not found: is "\/nonexistent\/python3" installed/);
      assert.equal(sup.state, 'crashed');
    } finally {
      await app.dispose();
    }
  });

  it('knows whether a framework module is installed in the interpreter', async () => {
    assert.equal(await hasModule(PYTHON, 'json', process.env, '/tmp'), true);
    assert.equal(await hasModule(PYTHON, 'panel_not_a_real_module', process.env, '/tmp'), false);
  });
});

describe('ports', () => {
  function hold(port = 0): Promise<net.Server> {
    return new Promise((r) => {
      const s = net.createServer();
      s.listen(port, '127.0.0.1', () => r(s));
    });
  }

  it('a fixed port that is busy gives a clear error and starts nothing', async () => {
    const busy = await hold();
    const port = (busy.address() as net.AddressInfo).port;
    const app = startable('stdlib_app.py', 'script', { preferredPort: () => port });
    try {
      const outcome = await app.controller.start();
      assert.equal(outcome.kind, 'failed');
      const err = (outcome as { error: Error }).error;
      assert.ok(err instanceof PortInUseError);
      assert.match(err.message, new RegExp(`Port ${port} is already in use.*dataAppPreview\\.port.*0`));
      await assertNoProcesses(app.marker);
    } finally {
      busy.close();
      await app.dispose();
    }
  });

  it('an automatic port taken by someone else between runs is replaced by a free one', async () => {
    const app = startable('stdlib_app.py', 'script');
    let busy: net.Server | undefined;
    try {
      await app.startReady();
      const first = app.controller.supervisor.port!;
      await app.controller.stop();
      busy = await hold(first);
      await app.startReady();
      assert.notEqual(app.controller.supervisor.port, first);
      assert.match((await get(app.controller.supervisor.url!)).body, /VERSION-1/);
    } finally {
      busy?.close();
      await app.dispose();
    }
  });

  it('a server that reports "address already in use" is retried on other ports, then explained', async () => {
    const busy = await hold();
    const busyPort = (busy.address() as net.AddressInfo).port;
    const app = startable('binds_fixed_port.py', 'script', { env: { BUSY_PORT: String(busyPort) } });
    try {
      const outcome = await app.controller.start();
      assert.equal(outcome.kind, 'failed');
      assert.match((outcome as { error: Error }).error.message, /free port/);
      assert.equal(app.log.lines.filter((l) => /was taken before the server could bind it/.test(l)).length, 3);
    } finally {
      busy.close();
      await app.dispose();
    }
  });
});

/**
 * 50 saves of a new version within about a second (`saved` reports each one): at most 2
 * restarts come of them, and the last version is served.
 */
/**
 * 50 saves about 20 ms apart. The storms run with a debounce of STORM_DEBOUNCE_MS, far above
 * any pause a loaded 2-core machine puts between two saves, so the saves are one burst whatever
 * the load (with 300 ms, a stalled event loop once split one storm into two bursts: 3 restarts).
 */
const STORM_DEBOUNCE_MS = 1000;

async function saveStorm(app: TestApp, saved: () => Promise<unknown>): Promise<void> {
  const source = fs.readFileSync(app.file, 'utf8').replace(/VERSION-[\w-]+/, 'VERSION-1');
  const before = app.controller.supervisor.restarts;
  let last = Date.now();
  let longestGap = 0;
  for (let i = 1; i <= 50; i++) {
    fs.writeFileSync(app.file, source.replace('VERSION-1', `VERSION-SAVE-${i}`));
    await saved();
    await sleep(15);
    longestGap = Math.max(longestGap, Date.now() - last);
    last = Date.now();
  }
  assert.ok(longestGap < STORM_DEBOUNCE_MS, `the saves were one burst (longest pause ${longestGap} ms)`);
  await sleep(STORM_DEBOUNCE_MS + 100);
  await app.controller.idle();
  const restarts = app.controller.supervisor.restarts - before;
  assert.ok(restarts >= 1 && restarts <= 2, `restarts: ${restarts}`);
  assert.match((await get(app.controller.supervisor.url!)).body, /VERSION-SAVE-50</);
}

describe('restart storms', () => {
  it('50 saves within one second give at most 2 restarts, and the last version is served', async () => {
    const app = startable('stdlib_app.py', 'script', { debounceMs: () => STORM_DEBOUNCE_MS });
    try {
      await app.startReady();
      await saveStorm(app, async () => undefined); // the folder watcher reports each write
    } finally {
      await app.dispose();
    }
  });

  it('a save during a restart gives exactly one more restart', async () => {
    // A debounce absorbs the truncate-then-write events of one save (as the default 300 ms does).
    const app = startable('stdlib_app.py', 'script', { debounceMs: () => 100 });
    try {
      await app.startReady();
      const source = fs.readFileSync(app.file, 'utf8');
      app.controller.requestRestart('first');
      await waitFor('the restart to begin', () => (app.controller.supervisor.state === 'restarting' ? true : undefined), 5000);
      fs.writeFileSync(app.file, source.replace('VERSION-1', 'VERSION-DURING'));
      await sleep(50);
      fs.writeFileSync(app.file, source.replace('VERSION-1', 'VERSION-LAST'));
      await sleep(200);
      await app.controller.idle();
      assert.equal(app.controller.supervisor.restarts, 2);
      assert.match((await get(app.controller.supervisor.url!)).body, /VERSION-LAST/);
    } finally {
      await app.dispose();
    }
  });

  // Explicit saves (what Ctrl+S reports through the editor), with the disk watcher on as in the
  // editor, which sees the same write. Restarting "at once" is checked by state, not by time:
  // right after the save is reported, the restart runs instead of waiting out the debounce.
  it('an explicit save restarts at once, without the debounce, also when the disk watcher saw it first', async () => {
    const app = startable('stdlib_app.py', 'script', { debounceMs: () => 1000 });
    try {
      await app.startReady();
      const source = fs.readFileSync(app.file, 'utf8');
      for (const [i, watcherFirst] of [
        [1, false],
        [2, true],
      ] as const) {
        await sleep(1100); // a person's pause: longer than the debounce since the last save
        fs.writeFileSync(app.file, source.replace('VERSION-1', `VERSION-SAVED-${i}`));
        if (watcherFirst) {
          await sleep(200); // the watcher's debounced request now waits
          assert.equal(app.controller.supervisor.state, 'ready', 'the change seen on disk alone waits for the debounce');
        }
        assert.equal(await app.controller.fileSaved(app.file), true);
        assert.equal(app.controller.supervisor.state, 'restarting', `save ${i}: the restart runs at once`);
        await app.controller.idle();
        assert.match((await get(app.controller.supervisor.url!)).body, new RegExp(`VERSION-SAVED-${i}<`));
        assert.equal(app.controller.scheduledRestarts, i, 'one restart per save');
      }
    } finally {
      await app.dispose();
    }
  });

  it('an explicit save during a restart gives exactly one more; 50 explicit saves in a second give at most 2', async () => {
    const app = startable('stdlib_app.py', 'script', { debounceMs: () => STORM_DEBOUNCE_MS });
    try {
      await app.startReady();
      const source = fs.readFileSync(app.file, 'utf8');
      fs.writeFileSync(app.file, source.replace('VERSION-1', 'VERSION-A'));
      await app.controller.fileSaved(app.file);
      assert.equal(app.controller.supervisor.state, 'restarting', 'the first save restarts at once');
      fs.writeFileSync(app.file, source.replace('VERSION-1', 'VERSION-B'));
      await app.controller.fileSaved(app.file);
      await app.controller.idle();
      assert.equal(app.controller.supervisor.restarts, 2, 'the save during the restart gave exactly one more');
      assert.match((await get(app.controller.supervisor.url!)).body, /VERSION-B</);

      await sleep(STORM_DEBOUNCE_MS + 100); // out of that burst
      await saveStorm(app, () => app.controller.fileSaved(app.file));
    } finally {
      await app.dispose();
    }
  });

  it('60 Restart commands in 2 s are coalesced: each one waiting joins the queued restart; one process is left, ready', async () => {
    const app = startable('stdlib_app.py', 'script');
    try {
      await app.startReady();
      const results: Array<Promise<StartOutcome>> = [];
      for (let i = 1; i <= 60; i++) {
        results.push(app.controller.restartNow(`restart command ${i}`));
        await sleep(33);
      }
      const outcomes = await Promise.all(results);
      await app.controller.idle();
      const spawned = app.log.lines.filter((l) => / start \(/.test(l)).length - 1;
      console.log(`  60 Restart commands: ${spawned} processes started`);
      assert.ok(spawned <= 30, `${spawned} processes started for 60 commands (61 before coalescing)`);
      assert.equal(outcomes.at(-1)!.kind, 'ready', 'the last command ends ready');
      assert.equal(app.controller.supervisor.state, 'ready');
      assert.equal(app.controller.supervisor.livePids().length, 1, 'one process left');
      assert.match((await get(app.controller.supervisor.url!)).body, /VERSION-1/);
    } finally {
      await app.dispose();
    }
  });

  it('saving unchanged content, or a file outside the glob, does not restart', async () => {
    const app = startable('stdlib_app.py', 'script', { debounceMs: () => 50 });
    try {
      await app.startReady();
      fs.writeFileSync(app.file, fs.readFileSync(app.file, 'utf8'));
      fs.writeFileSync(path.join(app.dir, 'notes.docx'), 'x');
      fs.mkdirSync(path.join(app.dir, '__pycache__'));
      fs.writeFileSync(path.join(app.dir, '__pycache__', 'x.py'), 'x');
      await sleep(400);
      await app.controller.idle();
      assert.equal(app.controller.supervisor.restarts, 0);
      fs.writeFileSync(path.join(app.dir, 'data.csv'), 'a,b\n1,2\n');
      await waitFor('a restart for the data file', () => (app.controller.supervisor.restarts === 1 && app.controller.supervisor.state === 'ready' ? true : undefined));
    } finally {
      await app.dispose();
    }
  });
});

describe('the launcher', () => {
  it("runs app.run(debug=True) without forking Werkzeug's reloader", async () => {
    const app = startable('flask_debug_run.py', 'dash');
    try {
      await app.startReady();
      const body = (await get(app.controller.supervisor.url!)).body;
      assert.match(body, /reloader-child=None/);
      assert.equal(app.controller.supervisor.livePids().length, 1, 'one interpreter, no reloader child');
    } finally {
      await app.dispose();
    }
  });
});

describe('after dispose', () => {
  it('a late restart, stop or start is answered, not rejected, and nothing is left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const app = startable('never_ready.py', 'script', { readyTimeoutMs: () => 300 });
    try {
      assert.equal((await app.controller.start()).kind, 'timeout'); // its readiness probe goes on in the background
      await app.controller.dispose();
      assert.equal((await app.controller.restartNow('late')).kind, 'cancelled');
      assert.equal((await app.controller.supervisor.restart('late')).kind, 'cancelled');
      assert.equal((await app.controller.supervisor.start()).kind, 'cancelled');
      await app.controller.supervisor.stop();
      await sleep(300);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await app.dispose();
    }
  });
});
