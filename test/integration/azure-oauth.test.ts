// The OAuth path and the run lifecycle, end to end without the editor:
// Azurite in OAuth mode over HTTPS (certificate made by the test) ← the shared blob client and
// the token endpoint, fed by a TokenCredential that stands in for Microsoft Entra ID (which
// cannot be reached from this machine) ← real Python processes using the unmodified
// azure-storage-blob SDK and DefaultAzureCredential (the pinned ones of requirements/main.txt).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { TokenBroker } from '../../src/azure/broker';
import { previewEnvironment } from '../../src/azure/childenv';
import { BlobHub } from '../../src/azure/hub';
import { AzurePreviewHook, type PreviewAccount } from '../../src/azure/preview-hook';
import { RunScope } from '../../src/azure/scope';
import { listContainers } from '../../src/azure/blobs';
import { withRunEnv } from '../../src/core/env';
import { isAlive } from '../../src/core/process';
import { AZURE_FIXTURES, EmulatorTokenCredential, startAzurite, tokenTarget, type TestAzurite } from './azure-env';
import { get, PYTHON, RecordingLogger, startable, waitFor } from './harness';

let azurite: TestAzurite;
let broker: TokenBroker;
const hub = new BlobHub();
const credential = new EmulatorTokenCredential();
const CSV = 'region,amount\nnorth,10\nsouth,32\n';

before(async () => {
  azurite = await startAzurite({ https: true });
  broker = await TokenBroker.start(new RecordingLogger());
  const client = hub.client({ target: tokenTarget(azurite), credential, ca: azurite.ca });
  const c = client.getContainerClient('sales');
  await c.createIfNotExists();
  await c.getBlockBlobClient('data/sales.csv').upload(CSV, CSV.length);
});

after(async () => {
  hub.dispose();
  await broker.close();
  await azurite.stop();
});

interface PyResult {
  ok: boolean;
  names?: string[];
  first?: string;
  type?: string;
  error?: string;
}

/** Runs the reader script with the given environment; resolves with its JSON line. */
function runReader(env: NodeJS.ProcessEnv, mode = 'default'): Promise<PyResult> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [path.join(AZURE_FIXTURES, 'read_blobs.py'), mode], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as PyResult);
      } catch {
        reject(new Error(`no JSON from the reader (${err?.message ?? ''}): ${stdout}\n${stderr}`));
      }
    });
  });
}

/** The app's environment as the editor builds it, trusting the test certificate (sync requests client). */
function childEnv(overlay: Record<string, string | null>, caFile: string | undefined = azurite.certFile): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, AZURE_CLIENT_SECRET: 'must-be-scrubbed', AZURE_TENANT_ID: 'x', AZURE_CLIENT_ID: 'y', IDENTITY_SERVER_THUMBPRINT: 'z' };
  if (caFile) base.REQUESTS_CA_BUNDLE = caFile;
  return withRunEnv(base, overlay);
}

test('the shared client reaches Azurite over HTTPS with a bearer token from the stand-in credential', async () => {
  const client = hub.client({ target: tokenTarget(azurite), credential, ca: azurite.ca });
  const page = await listContainers(client);
  assert.ok(page.items.some((c) => c.name === 'sales'));
  assert.ok(credential.calls >= 1);
});

test('an unmodified DefaultAzureCredential in a real Python process lists and reads blobs through the token endpoint', async () => {
  const scope = new RunScope('py1');
  const secret = broker.grant('py1', credential, scope);
  const env = previewEnvironment({ target: tokenTarget(azurite), container: 'sales' }, { endpoint: broker.endpoint, secret });
  const r = await runReader(childEnv(env));
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.names, ['data/sales.csv']);
  assert.equal(r.first, CSV);
  assert.ok(broker.servedTo('py1') >= 1, 'the token came from the broker');

  // Trust is real: the sync client refuses Azurite's certificate when it is not trusted.
  const untrusted = await runReader(childEnv(env, '/etc/ssl/certs/ca-certificates.crt'), 'default-noretry');
  assert.equal(untrusted.ok, false);
  assert.match(`${untrusted.type} ${untrusted.error}`, /SSL|certificate/i);

  // A wrong secret gets nothing.
  assert.equal((await runReader(childEnv(env), 'token')).ok, true);
  const wrong = await runReader(childEnv({ ...env, IDENTITY_HEADER: 'not-the-secret' }), 'token');
  assert.equal(wrong.ok, false);
  assert.match(wrong.error ?? '', /This secret is not valid/);

  // Revoked: the same secret stops working when the run's scope closes.
  await scope.close(500);
  const revoked = await runReader(childEnv(env), 'token');
  assert.equal(revoked.ok, false, JSON.stringify(revoked));
  assert.match(revoked.error ?? '', /This secret is not valid/);
});

test('a user delegation SAS minted from the sign-in works for a client that only takes a SAS', async () => {
  const log = new RecordingLogger();
  const account: PreviewAccount = { selection: { target: tokenTarget(azurite), container: 'sales' }, credential, ca: azurite.ca, userDelegationSas: true };
  const hook = new AzurePreviewHook({ current: () => account, hub, broker: async () => broker, log });
  const run = { id: 'uds1', port: 0, startedAt: Date.now() };
  const env = await hook.openRun(run);
  assert.ok(env.AZURE_STORAGE_SAS_TOKEN && /sig=/.test(env.AZURE_STORAGE_SAS_TOKEN), 'a SAS in the environment');
  const r = await runReader(childEnv({ ...env, IDENTITY_ENDPOINT: null, IDENTITY_HEADER: null }), 'sas');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.first, CSV);
  // Short-lived: 15 minutes (and 5 minutes of clock skew before).
  const sas = new URLSearchParams(env.AZURE_STORAGE_SAS_TOKEN);
  const lifetime = Date.parse(sas.get('se')!) - Date.parse(sas.get('st')!);
  assert.ok(Math.abs(lifetime - 20 * 60_000) < 2000, `SAS lifetime ${lifetime} ms`);
  await hook.closeRun(run);
  // The log says what was taken back and what was not.
  assert.ok(
    log.lines.some((l) => l.includes(`[run uds1] azure scope closed: token endpoint secret revoked; its user delegation SAS stays valid until ${sas.get('se')}`)),
    log.lines.join('\n'),
  );
  // The next runs reuse the delegation key: it is fetched once, not at every restart.
  for (const id of ['uds2', 'uds3']) {
    const next = await hook.openRun({ id, port: 0, startedAt: Date.now() });
    assert.ok(next.AZURE_STORAGE_SAS_TOKEN);
    await hook.closeRun({ id, port: 0, startedAt: 0 });
  }
  assert.equal(log.lines.filter((l) => l.includes('user delegation key fetched')).length, 1, 'one key for three runs');
});

test('container only: a signed-in app gets a SAS for the chosen container and no token endpoint; another container is refused', async () => {
  const other = hub.client({ target: tokenTarget(azurite), credential, ca: azurite.ca }).getContainerClient('other');
  await other.createIfNotExists();
  await other.getBlockBlobClient('secret.csv').upload('x', 1);
  const log = new RecordingLogger();
  const account: PreviewAccount = { selection: { target: tokenTarget(azurite), container: 'sales' }, credential, ca: azurite.ca, containerOnly: true };
  const hook = new AzurePreviewHook({ current: () => account, hub, broker: async () => broker, log });
  const run = { id: 'cont1', port: 0, startedAt: Date.now() };
  const env = await hook.openRun(run);
  assert.equal(env.IDENTITY_ENDPOINT, null, 'no token endpoint');
  assert.equal(env.IDENTITY_HEADER, null);
  assert.match(env.AZURE_STORAGE_CONNECTION_STRING ?? '', /^BlobEndpoint=.*;SharedAccessSignature=.*sr=c/);
  const mine = await runReader(childEnv(env), 'connection-string');
  assert.equal(mine.ok, true, JSON.stringify(mine));
  assert.equal(mine.first, CSV);
  const theirs = await runReader(childEnv({ ...env, AZURE_STORAGE_CONTAINER: 'other' }), 'connection-string noretry');
  assert.equal(theirs.ok, false, 'another container is refused');
  assert.match(theirs.error ?? '', /AuthorizationFailure|not authorized|403/i);
  await hook.closeRun(run);
  assert.ok(
    log.lines.some((l) => /\[run cont1\] azure scope closed: nothing revocable: the user delegation SAS for sales stays valid until /.test(l)),
    log.lines.join('\n'),
  );
});

/** Every secret value the test knows of, to scan logs and output for. */
function secretsToScan(envs: Array<Record<string, string | null>>): string[] {
  const s = new Set<string>(credential.minted);
  for (const e of envs) {
    for (const k of ['IDENTITY_HEADER', 'AZURE_STORAGE_SAS_TOKEN', 'AZURE_STORAGE_CONNECTION_STRING']) if (e[k]) s.add(e[k]);
  }
  return [...s];
}

test('lifecycle: each restart closes the run (secret revoked) before stopping it; the new run still reads; no secret in logs or output', async () => {
  const envs: Array<Record<string, string | null>> = [];
  const account: PreviewAccount = { selection: { target: tokenTarget(azurite), container: 'sales' }, credential, ca: azurite.ca };
  const hookLog = new RecordingLogger();
  const hook = new AzurePreviewHook({ current: () => account, hub, broker: async () => broker, log: hookLog });
  const recording = {
    openRun: async (run: { id: string; port: number; startedAt: number }) => {
      const env = await hook.openRun(run);
      envs.push(env);
      return env;
    },
    closeRun: (run: { id: string; port: number; startedAt: number }) => hook.closeRun(run),
  };
  const app = startable('azure_app.py', 'script', { hooks: [recording], env: { REQUESTS_CA_BUNDLE: azurite.certFile! }, watch: false });
  try {
    const first = await app.controller.start();
    assert.equal(first.kind, 'ready', JSON.stringify(first));
    const url = (first as { url: string }).url;
    assert.match((await get(url)).body, /rows=2 total=42/);
    const secret1 = envs[0]!.IDENTITY_HEADER!;
    const ask = (secret: string) =>
      fetch(`${broker.endpoint}?api-version=2019-08-01&resource=https://storage.azure.com`, { headers: { 'X-IDENTITY-HEADER': secret } }).then((r) => r.status);
    assert.equal(await ask(secret1), 200);

    await app.controller.restartNow('test');
    assert.equal(await ask(secret1), 401, "the old run's secret must stop working");
    const secret2 = envs[1]!.IDENTITY_HEADER!;
    assert.notEqual(secret2, secret1);
    assert.equal(await ask(secret2), 200);
    assert.match((await get(url)).body, /rows=2 total=42/, 'the restarted app still reads');

    // close → stop → start, in that order, for the restart.
    const merged = app.log.lines;
    const runIds = merged.filter((l) => / start \(/.test(l)).map((l) => /\[run (\w+)\]/.exec(l)![1]!);
    assert.equal(runIds.length, 2);
    const idx = (re: RegExp) => merged.findIndex((l) => re.test(l));
    const close = idx(new RegExp(`\\[run ${runIds[0]}\\] close`));
    const stop = idx(new RegExp(`\\[run ${runIds[0]}\\] stop pid`));
    const start = idx(new RegExp(`\\[run ${runIds[1]}\\] start`));
    assert.ok(close >= 0 && close < stop && stop < start, merged.join('\n'));
    assert.ok(hookLog.lines.some((l) => l.includes(`[run ${runIds[0]}] azure scope closed: token endpoint secret revoked;`)));

    await app.controller.stop();
    assert.equal(hook.openRuns, 0, 'stop closed the last run');
    const secrets = secretsToScan(envs);
    assert.ok(secrets.length >= 3);
    const text = [...app.log.lines, ...app.output, ...hookLog.lines].join('\n');
    for (const s of secrets) assert.ok(!text.includes(s), `a secret appeared in the logs or output: ${s.slice(0, 8)}…`);
  } finally {
    await app.dispose();
  }
});

test("lifecycle: a run's operations in flight are drained (or aborted after the bound) before its process stops", async () => {
  for (const [delayMs, expect] of [
    [400, 'drained'],
    [8000, 'aborted'],
  ] as const) {
    const slow = new EmulatorTokenCredential(0);
    const account: PreviewAccount = { selection: { target: tokenTarget(azurite), container: 'sales' }, credential: slow, ca: azurite.ca };
    const events: Array<[string, number]> = [];
    const log = new RecordingLogger();
    const hook = new AzurePreviewHook({ current: () => account, hub, broker: async () => broker, log, drainMs: 1000 });
    const envs: Array<Record<string, string | null>> = [];
    const aliveAtClose: boolean[] = [];
    const app = startable('stdlib_app.py', 'script', {
      hooks: [
        {
          openRun: async (run) => {
            const env = await hook.openRun(run);
            envs.push(env);
            return env;
          },
          closeRun: async (run) => {
            await hook.closeRun(run);
            events.push(['closed', Date.now()]);
            aliveAtClose.push(isAlive(app.controller.supervisor.pid ?? -1));
          },
        },
      ],
      watch: false,
    });
    try {
      await app.startReady();
      const pid1 = app.controller.supervisor.pid!;
      slow.delayMs = delayMs;
      // The app asks for a token; the editor's credential is slow to answer.
      const inflight = fetch(`${broker.endpoint}?api-version=2019-08-01&resource=https://storage.azure.com`, { headers: { 'X-IDENTITY-HEADER': envs[0]!.IDENTITY_HEADER! } }).then(
        async (r) => {
          events.push([`answer ${r.status}`, Date.now()]);
          return r.status;
        },
      );
      await waitFor('the token request to reach the credential', () => slow.calls > 0 || undefined);
      const restarting = app.controller.restartNow('test');
      // Watch the first process: when does it die?
      await waitFor('the first process to stop', () => app.controller.supervisor.pid !== pid1 || undefined, 30_000);
      events.push(['stopped', Date.now()]);
      await restarting;
      const status = await inflight;
      const at = (name: string) => events.find(([n]) => n.startsWith(name))![1];
      assert.ok(at('answer') <= at('stopped'), `the app had its answer before its process was stopped: ${JSON.stringify(events)}`);
      assert.ok(at('closed') <= at('stopped'), `closed before stopped: ${JSON.stringify(events)}`);
      assert.equal(aliveAtClose[0], true, 'the run was closed while its process still ran');
      const closedLine = log.lines.find((l) => l.includes('azure scope closed'))!;
      if (expect === 'drained') {
        assert.equal(status, 200);
        assert.match(closedLine, /1 operation\(s\) drained, 0 aborted/);
      } else {
        assert.equal(status, 401);
        assert.match(closedLine, /0 operation\(s\) drained, 1 aborted/);
      }
    } finally {
      await app.controller.stop();
      await app.dispose();
    }
  }
});
