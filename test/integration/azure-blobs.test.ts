// The blob explorer's operations against a real Azurite (npm package) on loopback: sign-in by
// connection string and by SAS, paging over 10,000 blobs, upload/download/delete, and a failed
// upload leaving no partial blob.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { AzuriteServer, azuriteArgs, findAzurite, probeAzurite } from '../../src/azure/azurite';
import { deletePrefix, downloadBlob, listContainers, listLevel, readText, uploadFolder, uploadStream, NotTextError } from '../../src/azure/blobs';
import { EMULATOR_ACCOUNT, EMULATOR_KEY, connectionStringFor, parseConnectionString, parseSasUrl } from '../../src/azure/connection';
import { describeProblem } from '../../src/azure/errors';
import { BlobHub } from '../../src/azure/hub';
import { pickFreePort } from '../../src/core/ports';
import { isAlive } from '../../src/core/process';
import { AZURITE_MAIN, emulatorSasUrls, keyTarget, startAzurite, type TestAzurite } from './azure-env';

let azurite: TestAzurite;
const hub = new BlobHub();
const BIG = 10_000;

before(async () => {
  azurite = await startAzurite();
  // Seed once per suite: 10,000 small blobs take 10–20 s on 2 cores.
  const c = hub.client({ target: keyTarget(azurite) }).getContainerClient('big');
  await c.create();
  let next = 0;
  const worker = async () => {
    while (next < BIG) {
      const i = next++;
      await c.getBlockBlobClient(`many/b${String(i).padStart(5, '0')}.txt`).upload('x', 1);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  await c.getBlockBlobClient('many/sub/inner.txt').upload('inner', 5);
});

after(async () => {
  hub.dispose();
  await azurite.stop();
  assert.equal(isAlive(azurite.server.process.pid), false, 'Azurite left running');
});

test('Azurite: found in node_modules, answers the probe, argv has telemetry off and no secret', async () => {
  assert.equal(findAzurite({ workspaceFolders: [path.resolve(AZURITE_MAIN, '../../../../../..')], pathEnv: '', npmGlobalRoot: () => undefined }), AZURITE_MAIN);
  assert.throws(() => findAzurite({ workspaceFolders: [os.tmpdir()], pathEnv: '', npmGlobalRoot: () => undefined }), /npm install -g azurite/);
  assert.match((await probeAzurite(azurite.port)) ?? '', /^3\./);
  const free = await pickFreePort();
  assert.equal(await probeAzurite(free), undefined);
  const args = azuriteArgs({ mainJs: AZURITE_MAIN, port: 1 });
  assert.ok(args.includes('--disableTelemetry') && args.includes('--skipApiVersionCheck') && args.includes('--inMemoryPersistence'));
  assert.ok(!args.join(' ').includes(EMULATOR_KEY));
});

test('Azurite on a taken port fails with a message naming the port', async () => {
  await assert.rejects(AzuriteServer.start({ mainJs: AZURITE_MAIN, port: azurite.port, startTimeoutMs: 20_000 }), /Port \d+ is taken/);
});

test('sign in by connection string: list containers and blobs', async () => {
  const target = parseConnectionString(connectionStringFor(keyTarget(azurite))!);
  const client = hub.client({ target });
  const page = await listContainers(client);
  assert.ok(page.items.some((c) => c.name === 'big'));
  const level = await listLevel(client.getContainerClient('big'), '');
  assert.deepEqual(level.folders, ['many/']);
  assert.equal(hub.client({ target }), client, 'one client per account and identity');
});

test('sign in by SAS: account SAS URL and container SAS URL; a read-only SAS refuses writes with a clear message', async () => {
  const sas = emulatorSasUrls(azurite, 'big');
  const acct = parseSasUrl(sas.account);
  assert.equal(acct.auth.kind, 'sas');
  const client = hub.client({ target: acct });
  assert.ok((await listContainers(client)).items.some((c) => c.name === 'big'));
  const err = await uploadStream(client.getContainerClient('big'), 'nope.txt', Readable.from([Buffer.from('x')])).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err, 'a read-only SAS must not upload');
  const problem = describeProblem(err, { operation: 'write', accountName: EMULATOR_ACCOUNT, auth: 'sas' });
  assert.equal(problem.kind, 'forbidden-sas', problem.message);

  const cont = parseSasUrl(sas.container);
  assert.equal(cont.container, 'big');
  const level = await listLevel(hub.client({ target: cont }).getContainerClient('big'), 'many/sub/');
  assert.deepEqual(
    level.blobs.map((b) => b.name),
    ['many/sub/inner.txt'],
  );
  assert.equal(level.blobs[0]!.size, 5);
  assert.ok(level.blobs[0]!.lastModified instanceof Date);
});

test('tree paging over 10,000 blobs: two pages of 5,000, then the folder, nothing twice', async () => {
  const c = hub.client({ target: keyTarget(azurite) }).getContainerClient('big');
  const seen = new Set<string>();
  const pageSizes: number[] = [];
  let next: string | undefined;
  let folders: string[] = [];
  do {
    const level = await listLevel(c, 'many/', next);
    pageSizes.push(level.blobs.length + level.folders.length);
    for (const b of level.blobs) {
      assert.ok(!seen.has(b.name), `listed twice: ${b.name}`);
      seen.add(b.name);
    }
    folders = folders.concat(level.folders);
    next = level.next;
  } while (next);
  assert.equal(seen.size, BIG);
  assert.deepEqual(folders, ['many/sub/']);
  // Blobs and folder prefixes share the 5,000 of a page: b00000–b04999, b05000–b09999, then many/sub/.
  assert.deepEqual(pageSizes, [5000, 5000, 1]);
});

test('upload a folder with progress, download, read as text, delete', async () => {
  const client = hub.client({ target: keyTarget(azurite) });
  const c = client.getContainerClient('work');
  await c.createIfNotExists();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-up-'));
  fs.mkdirSync(path.join(dir, 'nested'));
  fs.writeFileSync(path.join(dir, 'a.csv'), 'region,amount\nnorth,10\n');
  fs.writeFileSync(path.join(dir, 'nested', 'big.bin'), Buffer.alloc(9 * 1024 * 1024, 0));
  const progress: number[] = [];
  const result = await uploadFolder(c, dir, 'up/', (p) => progress.push(p.bytes));
  assert.deepEqual(result.failed, []);
  assert.deepEqual(result.uploaded.sort(), ['up/a.csv', 'up/nested/big.bin']);
  assert.ok(progress.length >= 2, 'progress was reported');
  assert.equal(Math.max(...progress), result.bytes);
  const level = await listLevel(c, 'up/');
  assert.deepEqual(level.folders, ['up/nested/']);
  assert.equal(level.blobs[0]!.contentType, 'text/csv');

  const dest = path.join(dir, 'downloaded.bin');
  const size = await downloadBlob(c, 'up/nested/big.bin', dest);
  assert.equal(size, 9 * 1024 * 1024);
  assert.ok(fs.readFileSync(dest).equals(Buffer.alloc(9 * 1024 * 1024, 0)));
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.part-')),
    [],
    'no temporary file left',
  );
  assert.equal(await readText(c, 'up/a.csv'), 'region,amount\nnorth,10\n');
  await assert.rejects(readText(c, 'up/nested/big.bin'), NotTextError);

  assert.equal(await deletePrefix(c, 'up/'), 2);
  assert.deepEqual((await listLevel(c, '')).folders, []);
  // Downloading a blob that is gone leaves no file behind.
  await assert.rejects(downloadBlob(c, 'up/a.csv', path.join(dir, 'gone.csv')));
  assert.equal(fs.existsSync(path.join(dir, 'gone.csv')), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a failed or cancelled upload leaves no partial blob, and an existing blob unchanged', async () => {
  const c = hub.client({ target: keyTarget(azurite) }).getContainerClient('work');
  await c.createIfNotExists();
  const chunk = Buffer.alloc(1024 * 1024, 2);
  let sent = 0;
  const failing = new Readable({
    read() {
      if (sent++ < 9) this.push(chunk);
      else this.destroy(new Error('disk read failed'));
    },
  });
  await assert.rejects(uploadStream(c, 'partial.bin', failing), /disk read failed/);
  assert.equal(await c.getBlobClient('partial.bin').exists(), false, 'no partial blob');

  await c.getBlockBlobClient('keep.txt').upload('original', 8);
  const ac = new AbortController();
  let n = 0;
  const slow = new Readable({
    read() {
      if (n++ === 6) ac.abort();
      setTimeout(() => this.push(n > 40 ? null : chunk), 5);
    },
  });
  await assert.rejects(uploadStream(c, 'keep.txt', slow, { abortSignal: ac.signal }));
  assert.equal((await c.getBlobClient('keep.txt').downloadToBuffer()).toString(), 'original');
});

test('an emulator that is not running gives an actionable message, not a stack', async () => {
  const port = await pickFreePort();
  const target = { ...keyTarget(azurite), blobEndpoint: `http://127.0.0.1:${port}/${EMULATOR_ACCOUNT}` };
  const local = new BlobHub();
  const client = local.client({ target });
  const e = await listContainers(client).then(
    () => undefined,
    (x: unknown) => x,
  );
  local.dispose();
  const p = describeProblem(e, { operation: 'list', accountName: EMULATOR_ACCOUNT, auth: 'key', emulator: true, endpoint: target.blobEndpoint });
  assert.equal(p.kind, 'emulator-down', String((e as Error)?.message));
  assert.match(p.message, /not running at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1.*Start Azurite/);
});

test('closing idle sockets of an account client', async () => {
  const target = keyTarget(azurite);
  const client = hub.client({ target });
  await listContainers(client);
  assert.ok(hub.socketCount(target).idle >= 1, 'keep-alive socket expected after a request');
  assert.ok(hub.closeIdleSockets(target) >= 1);
  // Destroyed sockets leave the agent's pool on their 'close' event.
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(hub.socketCount(target).idle, 0);
  // The client still works afterwards (a new socket).
  await listContainers(client);
  assert.equal(hub.socketCount(target).idle, 1);
});
