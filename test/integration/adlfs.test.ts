// The seed, as a test, and adlfs with zero code change. Real Azurite (HTTP with the account key,
// and HTTPS with OAuth for the token endpoint), real pandas + adlfs in two pinned environments:
// "seed" (Panel 1.4.4, Bokeh 3.4.1, adlfs 2023.8.0: the versions the original failure was seen
// on) and "newest" (requirements/main.txt). The tokens come from a stand-in for Microsoft Entra
// ID, which cannot be reached from this machine; everything else is real.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TokenBroker } from '../../src/azure/broker';
import { previewEnvironment } from '../../src/azure/childenv';
import { parseSasUrl, type StorageTarget } from '../../src/azure/connection';
import { BlobHub } from '../../src/azure/hub';
import { RunScope } from '../../src/azure/scope';
import { withRunEnv } from '../../src/core/env';
import { silentLogger } from '../../src/core/log';
import { pickFreePort } from '../../src/core/ports';
import { venvPython } from '../python-env';
import { AZURE_FIXTURES, emulatorAppEnv, emulatorSasUrls, EmulatorTokenCredential, keyTarget, putExampleSales, startAzurite, tokenTarget, type TestAzurite } from './azure-env';
import { TestBrowser, seeText } from './browser';
import { get, PYTHON, startable } from './harness';

const REPO = path.resolve(__dirname, '../../..');
const SEED = venvPython('seed');
const ENVS: Array<[string, string]> = [
  ['seed', SEED],
  ['newest', PYTHON],
];

let http: TestAzurite;
let https: TestAzurite;
let hub: BlobHub;
let broker: TokenBroker;
const credential = new EmulatorTokenCredential();

before(async () => {
  [http, https] = await Promise.all([startAzurite(), startAzurite({ https: true })]);
  hub = new BlobHub();
  for (const client of [hub.client({ target: keyTarget(http) }), hub.client({ target: tokenTarget(https), credential, ca: https.ca })]) await putExampleSales(client);
  broker = await TokenBroker.start(silentLogger);
});
after(async () => {
  await broker?.close();
  hub?.dispose();
  await Promise.all([http?.stop(), https?.stop()]);
});

/** The README's "A Panel app on adlfs" example, exactly as a user would copy it. */
function readmePanelApp(): string {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const at = readme.indexOf('A Panel app on adlfs');
  assert.ok(at > 0, 'README has the Panel + adlfs example');
  const block = /```python\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, 'the example is a python block');
  return block[1]!;
}

function sasTargets(): Array<[string, StorageTarget]> {
  const sas = emulatorSasUrls(http, 'sales');
  return [
    ['account SAS URL', parseSasUrl(sas.account)],
    ['container SAS URL', parseSasUrl(sas.container)],
  ];
}

interface ReadResult {
  ok: boolean;
  adlfs: string;
  rows?: number;
  total?: number;
  error?: string;
}

function readWithAdlfs(python: string, env: Record<string, string | null>): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    execFile(python, [path.join(AZURE_FIXTURES, 'adlfs_read.py')], { env: withRunEnv(process.env, env), timeout: 120_000 }, (err, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ReadResult);
      } catch {
        reject(new Error(`no JSON from the reader (${err?.message ?? ''}): ${stdout}\n${stderr}`));
      }
    });
  });
}

describe('adlfs with zero code change: pd.read_csv("abfs://<container>/<path>")', () => {
  for (const [name, python] of ENVS) {
    it(`every sign-in Azurite can exercise, on the ${name} environment`, async () => {
      const signIns: Array<[string, Record<string, string | null>]> = [
        ['emulator connection string', previewEnvironment({ target: keyTarget(http), container: 'sales' })],
        ...sasTargets().map(([label, target]): [string, Record<string, string | null>] => [label, previewEnvironment({ target, container: 'sales' })]),
      ];
      const scope = new RunScope(`adlfs-${name}`);
      const grant = { endpoint: broker.endpoint, secret: broker.grant(`adlfs-${name}`, credential, scope) };
      // The test's own certificate is trusted through OpenSSL's variable (aiohttp reads it).
      // adlfs before 2024.7 ignores FSSPEC_ABFS_ACCOUNT_HOST and always goes to
      // <account>.blob.core.windows.net, so it cannot reach the emulator with a token (seen
      // here: "Cannot connect to host devstoreaccount1.blob.core.windows.net", after 80 s of
      // retries); the README says which adlfs the token endpoint needs.
      const rows: string[] = [];
      if (name === 'seed') rows.push(`${name} | token endpoint: not run; adlfs 2023.8 has no account_host, so it cannot reach an emulator`);
      else
        signIns.push(['token endpoint (OAuth over HTTPS)', { ...previewEnvironment({ target: tokenTarget(https), container: 'sales' }, grant), SSL_CERT_FILE: https.certFile! }]);
      try {
        for (const [label, env] of signIns) {
          const r = await readWithAdlfs(python, env);
          rows.push(`${name} adlfs ${r.adlfs} | ${label}: ${r.ok ? `read ${r.rows} rows, total ${r.total}` : `FAILED ${r.error?.split('\n')[0]}`}`);
          assert.deepEqual({ ok: r.ok, rows: r.rows, total: r.total }, { ok: true, rows: 6, total: 985 }, `${name}, ${label}: ${r.error ?? ''}`);
        }
      } finally {
        console.log(rows.map((r) => `  ${r}`).join('\n'));
        await scope.close(100);
      }
    });
  }
});

/** Runs `panel serve FILE --autoreload` (Panel's own reloader) until it exits or 40 s pass. */
async function panelAutoreload(python: string, dir: string, file: string, env: Record<string, string>): Promise<{ code: number | string | null; output: string }> {
  const port = await pickFreePort();
  const child = spawn(python, ['-m', 'panel', 'serve', file, '--autoreload', '--port', String(port), '--address', '127.0.0.1'], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | string | null>((r) => child.on('exit', (code, signal) => r(code ?? signal)));
  let timer: NodeJS.Timeout | undefined;
  const still = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 40_000)))]);
  clearTimeout(timer);
  try {
    process.kill(-child.pid!, 'SIGKILL'); // its tree, whether or not it exited
  } catch {
    // gone
  }
  return { code: still ? null : await exited, output: still ? `${output}\n(still running after 40 s)` : output };
}

describe('the seed: Panel --autoreload with adlfs, and the same app previewed', () => {
  let browser: TestBrowser;
  before(async () => {
    browser = await TestBrowser.launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('panel serve --autoreload dies with "This event loop is already running" on the seed versions (and the newest say what they do)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-seed-'));
    try {
      fs.writeFileSync(path.join(dir, 'app.py'), readmePanelApp());
      for (const [name, python] of ENVS) {
        const r = await panelAutoreload(python, dir, 'app.py', emulatorAppEnv(http));
        const line = /^.*This event loop is already running.*$/m.exec(r.output)?.[0];
        console.log(
          `  ${name}: panel serve --autoreload ${line ? `failed: "${line.trim()}", exit ${r.code}` : `did not fail this way (exit code ${r.code}); this version no longer reproduces the seed`}`,
        );
        if (name === 'seed') {
          assert.ok(line, `the seed reproduces:\n${r.output.slice(-3000)}`);
          assert.notEqual(r.code, 0);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [mode, warm] of [
    ['warm', true],
    ['cold', false],
  ] as const) {
    it(`previewed by the extension on the seed versions, it serves the data through 50 ${mode} restarts with no loop error and nothing left`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-seed-fixture-'));
      fs.writeFileSync(path.join(dir, 'app.py'), readmePanelApp());
      const app = startable('app.py', 'panel', { fixtureDir: dir, python: SEED, env: emulatorAppEnv(http), watch: false, stopGraceMs: () => 1000, ...(warm ? { warm: {} } : {}) });
      fs.rmSync(dir, { recursive: true, force: true });
      try {
        await app.startReady();
        const { page, failures } = await browser.page(new URL(app.controller.supervisor.url!).origin);
        await page.goto(app.controller.supervisor.url!);
        await seeText(page, 'Jun');
        await seeText(page, '230');
        assert.deepEqual(failures, []);
        await page.context().close();
        const vias = new Map<string, number>();
        for (let i = 1; i <= 50; i++) {
          const outcome = await app.controller.restartNow(`restart ${i}`);
          assert.equal(outcome.kind, 'ready', `restart ${i}: ${JSON.stringify(outcome)}\n${app.output.join('').slice(-2000)}`);
          const via = app.controller.supervisor.lastVia ?? '?';
          vias.set(via, (vias.get(via) ?? 0) + 1);
          // Every page runs the app script (Panel runs it per session), so every GET reads the blob.
          const r = await get(app.controller.supervisor.url!);
          assert.equal(r.status, 200, `restart ${i}`);
        }
        const out = app.output.join('');
        assert.doesNotMatch(out, /event loop is already running/);
        assert.doesNotMatch(out, /Error running application handler|^ERROR/m, 'the app script never failed');
        // adlfs's finalizer can be cut by the stop signal as the old process exits; it is logged
        // and counted, and never reaches the next run (a new process).
        const atExit = (out.match(/Exception ignored in atexit callback/g) ?? []).length;
        console.log(`  seed, ${mode}: 50 restarts, started ${[...vias].map(([v, n]) => `${n}× ${v}`).join(', ')}; 0 loop errors; ${atExit} interrupted adlfs finalizers at exit`);
        if (warm) assert.ok((vias.get('warm') ?? 0) >= 45, `most restarts were warm (${JSON.stringify([...vias])})`);
      } finally {
        await app.dispose();
      }
    });
  }
});
