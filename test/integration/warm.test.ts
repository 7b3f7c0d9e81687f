// The warm standby with real interpreters: it pre-imports, never runs app code, becomes the next
// run, and is discarded (cold start) whenever it cannot be trusted. Nothing is left running.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import type { WarmLaunch } from '../../src/core/warm';
import { get, isAlivePid, PYTHON, sleep, startable, waitFor, type TestApp } from './harness';

const starts = (app: TestApp) => app.log.lines.filter((l) => / start \(/.test(l)).map((l) => / start \((.*)\) pid \d+: /.exec(l)![1]!);
const warmOf = (app: TestApp) => app.strategy as WarmLaunch;

function threadsOf(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/task`).length;
}

/** Threads of a plain interpreter that imports `modules` (numpy's OpenBLAS starts its pool at import). */
async function threadsOfPlainImport(modules: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(PYTHON, ['-c', `import importlib, sys, time\nfor m in ${JSON.stringify(modules)}: importlib.import_module(m)\nprint('ok', flush=True)\ntime.sleep(30)`], {
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    await sleep(200);
    return threadsOf(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

/** A fake third-party package outside the workspace, on PYTHONPATH. */
function fakeSitePackage(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-site-'));
  fs.mkdirSync(path.join(dir, 'fakepkg'));
  const file = path.join(dir, 'fakepkg', '__init__.py');
  fs.writeFileSync(file, 'VALUE = 1\n');
  return { dir, file };
}

describe('warm standby', () => {
  it('pre-imports the heavy modules without running app code, then becomes the next run', async () => {
    const ranFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dap-ran-')), 'ran');
    const app = startable('heavy_app.py', 'script', { warm: {}, env: { RAN_FILE: ranFile } });
    try {
      await app.startReady();
      const ready = await warmOf(app).standbyReady();
      assert.ok(ready, 'a standby is ready');
      for (const m of ['matplotlib', 'matplotlib.pyplot', 'pandas', 'tornado.web']) assert.ok(ready.imported.includes(m), `pre-imported ${m}`);
      const standbyPid = warmOf(app).standbyPid!;
      const expected = await threadsOfPlainImport(ready.imported, { ...process.env, MPLBACKEND: 'Agg' });
      assert.equal(threadsOf(standbyPid), expected, 'the standby starts no thread beyond what the imports themselves start');
      const ran = () => fs.readFileSync(ranFile, 'utf8').trim().split('\n').map(Number);
      assert.ok(!ran().includes(standbyPid), 'the standby never ran app code');

      fs.writeFileSync(app.file, fs.readFileSync(app.file, 'utf8').replace('VERSION-1', 'VERSION-2'));
      await waitFor('the warm run', async () => ((await get(app.controller.supervisor.url!).catch(() => undefined))?.body.includes('VERSION-2') ? true : undefined));
      await app.controller.idle();
      assert.deepEqual(starts(app), ['cold: no standby yet', 'warm']);
      assert.equal(app.controller.supervisor.pid, standbyPid, 'the standby became the app');
      assert.ok(ran().includes(standbyPid), 'and only then ran its code');
      await app.controller.stop();
      await sleep(100);
      assert.equal(warmOf(app).standbyPid, undefined, 'stopping the app drops its standby');
    } finally {
      await app.dispose();
    }
  });

  it('a changed workspace module is always picked up (it is never pre-imported)', async () => {
    const site = fakeSitePackage();
    const app = startable('uses_helper.py', 'script', { warm: {}, extra: ['helper.py'], env: { PYTHONPATH: site.dir } });
    try {
      await app.startReady();
      const ready = await warmOf(app).standbyReady();
      assert.ok(ready?.skipped.includes('helper'), 'the workspace helper is skipped');
      assert.ok(ready?.imported.includes('fakepkg'), 'the third-party package is pre-imported');
      for (let i = 2; i <= 4; i++) {
        await warmOf(app).standbyReady();
        fs.writeFileSync(path.join(app.dir, 'helper.py'), `GREETING = "HELPER-${i}"\n`);
        await waitFor(`HELPER-${i}`, async () => ((await get(app.controller.supervisor.url!).catch(() => undefined))?.body.includes(`HELPER-${i}<`) ? true : undefined));
      }
      await app.controller.idle();
      assert.deepEqual(starts(app), ['cold: no standby yet', 'warm', 'warm', 'warm']);
    } finally {
      await app.dispose();
      fs.rmSync(site.dir, { recursive: true, force: true });
    }
  });

  it('falls back to a cold start when a pre-imported module changed, the .env changed, or the standby died', async () => {
    const site = fakeSitePackage();
    const env: Record<string, string> = { PYTHONPATH: site.dir, FROM_DOTENV: 'a' };
    const app = startable('uses_helper.py', 'script', { warm: {}, extra: ['helper.py'], env });
    try {
      await app.startReady();

      await warmOf(app).standbyReady();
      fs.writeFileSync(site.file, 'VALUE = 2\n'); // e.g. `pip install -U fakepkg`
      assert.equal((await app.controller.restartNow('module changed')).kind, 'ready');
      assert.match(starts(app).at(-1)!, /^cold: a pre-imported module changed \(.*fakepkg\/__init__\.py\)$/);
      assert.match((await get(app.controller.supervisor.url!)).body, /fakepkg 2 /);

      await warmOf(app).standbyReady();
      env.FROM_DOTENV = 'b'; // the .env file changed
      assert.equal((await app.controller.restartNow('env changed')).kind, 'ready');
      assert.equal(starts(app).at(-1), 'cold: the interpreter, environment or launch profile changed');

      await warmOf(app).standbyReady();
      process.kill(warmOf(app).standbyPid!, 'SIGKILL');
      await sleep(100);
      assert.equal((await app.controller.restartNow('standby died')).kind, 'ready');
      assert.equal(starts(app).at(-1), 'cold: the standby died');

      await warmOf(app).standbyReady();
      assert.equal((await app.controller.restartNow('all good')).kind, 'ready');
      assert.equal(starts(app).at(-1), 'warm');
    } finally {
      await app.dispose();
      fs.rmSync(site.dir, { recursive: true, force: true });
    }
  });

  it('a standby that is not ready in time is discarded and the run starts cold', async () => {
    const site = fakeSitePackage();
    // Slow to import only in a standby (whose argv[0] is the standby script), fast in the app.
    fs.writeFileSync(site.file, "import sys, time\nif 'dap_standby' in sys.argv[0]:\n    time.sleep(30)\nVALUE = 1\n");
    const app = startable('uses_helper.py', 'script', { warm: { readyWaitMs: 300 }, extra: ['helper.py'], env: { PYTHONPATH: site.dir } });
    try {
      await app.startReady();
      const slowStandby = await waitFor('the standby to start', () => warmOf(app).standbyPid);
      assert.equal((await app.controller.restartNow('standby too slow')).kind, 'ready');
      assert.equal(starts(app).at(-1), 'cold: the standby was not ready in time');
      await waitFor('the slow standby to be stopped', () => (!isAlivePid(slowStandby) ? true : undefined), 5000);
    } finally {
      await app.dispose();
      fs.rmSync(site.dir, { recursive: true, force: true });
    }
  });

  it('turned off, every run is cold and no standby is kept', async () => {
    let enabled = false;
    const app = startable('stdlib_app.py', 'script', { warm: { enabled: () => enabled } });
    try {
      await app.startReady();
      await app.controller.restartNow('off');
      assert.equal(warmOf(app).standbyPid, undefined);
      assert.deepEqual(starts(app), ['cold', 'cold']);
      enabled = true;
      await app.controller.restartNow('on');
      await warmOf(app).standbyReady();
      await app.controller.restartNow('on again');
      assert.deepEqual(starts(app), ['cold', 'cold', 'cold: no standby yet', 'warm']);
    } finally {
      await app.dispose();
    }
  });

  it('non-Python commands keep cold starts', async () => {
    const app = startable('stdlib_app.py', 'custom', { warm: {} });
    try {
      (app.controller as unknown as { opts: { prepare: unknown } }).opts.prepare = async (port: number) => ({
        spec: { framework: 'custom', command: '/bin/sh', args: ['-c', `exec ${PYTHON} ${app.file}`], cwd: app.dir, env: { PORT: String(port), HOST: '127.0.0.1' }, urlPath: '/' },
        env: { ...process.env, DAP_TEST_MARKER: app.marker, PORT: String(port), HOST: '127.0.0.1' },
      });
      await app.startReady();
      await app.controller.restartNow('again');
      assert.deepEqual(starts(app), ['cold: not a Python launch', 'cold: not a Python launch']);
      assert.equal(warmOf(app).standbyPid, undefined);
    } finally {
      await app.dispose();
    }
  });

  it("a warm run sees its own run variables, also those read at import (fsspec's FSSPEC_*), and not the removed ones", async () => {
    let n = 0;
    const hook = { openRun: async () => ({ FSSPEC_ABFS_ACCOUNT_HOST: `127.0.0.1:1000${++n}/devstoreaccount1`, AZURE_CLIENT_SECRET: null }) };
    const app = startable('fsspec_app.py', 'script', { warm: {}, hooks: [hook], env: { AZURE_CLIENT_SECRET: 'would-shadow' } });
    try {
      const first = await app.controller.start();
      assert.equal(first.kind, 'ready');
      const url = (first as { url: string }).url;
      assert.equal((await get(url)).body, 'host=127.0.0.1:10001/devstoreaccount1 secret=gone');
      assert.ok(await warmOf(app).standbyReady(), 'a standby was prepared');
      await app.controller.restartNow('test');
      assert.equal(starts(app)[1], 'warm');
      assert.equal((await get(url)).body, 'host=127.0.0.1:10002/devstoreaccount1 secret=gone');
    } finally {
      await app.dispose();
    }
  });

  it("a standby never holds what the run hooks remove, nor a run's secret: not in its environment, not in what its pre-imports captured", async () => {
    const site = fakeSitePackage();
    fs.writeFileSync(site.file, "import os\nCAPTURED = os.environ.get('AZURE_CLIENT_SECRET')\n");
    let n = 0;
    const hook = { openRun: async () => ({ AZURE_CLIENT_SECRET: null, AZURE_STORAGE_CONNECTION_STRING: null, RUN_SECRET: `run-secret-${++n}` }) };
    const host = { PYTHONPATH: site.dir, AZURE_CLIENT_SECRET: 'host-client-secret', AZURE_STORAGE_CONNECTION_STRING: 'AccountKey=host-key' };
    const app = startable('captures_env.py', 'script', { warm: { appName: 'captures_env.py' }, hooks: [hook], env: host });
    const environ = (pid: number) => fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    try {
      const url = ((await app.startReady()) as { url: string }).url;
      const cold = 'captured=None AZURE_CLIENT_SECRET=gone,AZURE_STORAGE_CONNECTION_STRING=gone';
      assert.equal((await get(url)).body, `${cold},RUN_SECRET=run-secret-1`, 'the cold run');
      const ready = await warmOf(app).standbyReady();
      assert.ok(ready?.imported.includes('fakepkg'), 'fakepkg was pre-imported');
      const standby = warmOf(app).standbyPid!;
      for (const secret of ['host-client-secret', 'host-key', 'run-secret']) assert.ok(!environ(standby).includes(secret), `the waiting standby's environment has no ${secret}`);
      // ps and the Ports view name the app, not a JSON blob.
      const argv = fs.readFileSync(`/proc/${standby}/cmdline`, 'utf8').split('\0').filter(Boolean);
      assert.deepEqual(argv.slice(-2), ['--for', 'captures_env.py']);
      assert.ok(!argv.some((a) => a.includes('{')), argv.join(' '));
      await app.controller.restartNow('test');
      assert.equal(starts(app).at(-1), 'warm');
      assert.equal((await get(url)).body, `${cold},RUN_SECRET=run-secret-2`, 'the warm run sees exactly what the cold one did');
      for (const secret of ['host-client-secret', 'host-key']) assert.ok(!environ(standby).includes(secret), `the warm run's process environment has no ${secret}`);
    } finally {
      await app.dispose();
      fs.rmSync(site.dir, { recursive: true, force: true });
    }
  });

  it('200 consecutive warm restarts: none fails, and nothing is left running', { timeout: 300_000 }, async () => {
    const app = startable('stdlib_app.py', 'script', { warm: {} });
    try {
      await app.startReady();
      for (let i = 1; i <= 200; i++) {
        await warmOf(app).standbyReady();
        const outcome = await app.controller.restartNow(`restart ${i}`);
        assert.equal(outcome.kind, 'ready', `restart ${i}: ${JSON.stringify(outcome)}`);
      }
      const s = starts(app);
      assert.equal(s.length, 201);
      assert.deepEqual(
        s.slice(1).filter((v) => v !== 'warm'),
        [],
        'every restart was warm',
      );
      assert.match((await get(app.controller.supervisor.url!)).body, /VERSION-1/);
    } finally {
      await app.dispose(); // asserts that no process of this test (standbys included) is left
    }
  });
});
