// End-to-end, Azure: in a real VS Code (code-server + Chromium), sign in to the storage
// emulator (a real Azurite) from the sidebar, see containers and blobs, use a container for
// preview, and watch a previewed Python app read from it through the brokered credentials,
// before and after a save. Nothing secret may appear in VS Code's logs or the webview.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { EMULATOR_KEY } from '../../src/azure/connection';
import { BlobHub } from '../../src/azure/hub';
import { isAlive } from '../../src/core/process';
import { keyTarget, startAzurite, type TestAzurite } from '../integration/azure-env';
import { CodeServer, ensureVsix, killOnExit, makeWorkspace } from './vscode';
import { SHOTS, Workbench } from './workbench';

const APP = 'azure_app.py';
const REPO = path.resolve(__dirname, '../../..');
/** The line of `TITLE = "SALES-V1"` in azure_app.py. */
const TITLE_LINE = 11;
const CSV = 'region,amount\nnorth,10\nsouth,32\n';

killOnExit();

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

function appPids(workspace: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.join(workspace, APP)) && isAlive(pid);
      } catch {
        return false;
      }
    });
}

describe('Azure Storage in a real VS Code', { timeout: 600_000 }, () => {
  let server: CodeServer;
  let wb: Workbench;
  let workspace: string;
  let azurite: TestAzurite;

  before(async () => {
    azurite = await startAzurite();
    const hub = new BlobHub();
    const c = hub.client({ target: keyTarget(azurite) }).getContainerClient('sales');
    await c.create();
    await c.getBlockBlobClient('data/sales.csv').upload(CSV, CSV.length);
    await c.getBlockBlobClient('readme.txt').upload('hello', 5);
    hub.dispose();
    workspace = makeWorkspace();
    fs.copyFileSync(path.join(REPO, 'test/fixtures/apps', APP), path.join(workspace, APP));
    assert.equal(fs.readFileSync(path.join(workspace, APP), 'utf8').split('\n')[TITLE_LINE - 1], 'TITLE = "SALES-V1"');
    server = await CodeServer.start({ workspace, vsix: ensureVsix(), settings: { 'dataAppPreview.azure.emulatorPort': azurite.port } });
    wb = await Workbench.open(server);
  });

  afterEach(async (t) => {
    await wb?.screenshot(`azure-end-of-${t.name.replace(/[^\w]+/g, '-').slice(0, 40)}`).catch(() => undefined);
  });

  after(async () => {
    server?.saveLogs(path.join(SHOTS, 'azure-logs'));
    await wb?.close();
    await server?.close();
    const left = workspace ? appPids(workspace) : [];
    for (const pid of left) process.kill(pid, 'SIGKILL');
    await azurite?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    assert.deepEqual(left, [], 'no app server is left after code-server stops');
  });

  const page = () => wb.page;
  /** A row of the Azure Storage tree by its label. */
  const row = (label: string) =>
    page()
      .locator('.pane-body .monaco-list-row')
      .filter({ has: page().locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.]/g, '\\.')}$`) }) })
      .first();

  it('1. Sign in to the emulator from the sidebar and see containers and blobs', async () => {
    await page().locator('.activitybar .action-item a[aria-label*="Azure Storage for Apps"]').first().click();
    const button = page().getByRole('button', { name: 'Use the Local Emulator (Azurite)' });
    await button.waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('azure-welcome');
    await button.click();
    await row('devstoreaccount1').waitFor({ timeout: 30_000 });
    await row('devstoreaccount1').click();
    await row('sales').waitFor({ timeout: 30_000 });
    await row('sales').click();
    await row('data').waitFor({ timeout: 30_000 });
    assert.ok(await row('readme.txt').isVisible());
    // Size and modified time beside each blob.
    assert.match((await row('readme.txt').textContent()) ?? '', /5 B/);
    await row('data').click();
    await row('sales.csv').waitFor({ timeout: 30_000 });
    assert.match((await row('sales.csv').textContent()) ?? '', /32 B/);
    await wb.screenshot('azure-tree');
  });

  it('2. A previewed app reads from Azurite through the brokered credentials, also after a save', async () => {
    await wb.command('Data App Azure: Use Container for Preview');
    const pick = page().locator('.quick-input-widget .monaco-list-row', { hasText: 'devstoreaccount1/sales' }).first();
    await pick.waitFor({ timeout: 15_000 });
    await pick.click();
    await page().locator('.pane-body .monaco-list-row', { hasText: 'used for preview' }).first().waitFor({ timeout: 10_000 });
    // Where the container is picked, the user is told what the app can reach with what it is given.
    await page().locator('.notification-list-item-message', { hasText: 'the account key: it reaches every container of the account' }).first().waitFor({ timeout: 10_000 });

    await wb.openFile(APP);
    await wb.command('Data App: Preview App');
    assert.equal(await wb.waitForAppText(APP, '#data', /rows=\d+ total=\d+|ERROR/, 60_000), 'rows=2 total=42');
    await wb.screenshot('azure-app-reads');
    const [pid] = appPids(workspace);
    assert.ok(pid, 'the app runs');
    // The credential really is in the app's environment, and only there.
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.some((v) => v.startsWith('AZURE_STORAGE_CONNECTION_STRING=') && v.includes(EMULATOR_KEY)));
    assert.ok(environ.includes('AZURE_STORAGE_CONTAINER=sales'));
    assert.ok(!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(EMULATOR_KEY), 'no secret on the command line');

    await wb.setLine(TITLE_LINE, 'TITLE = "SALES-V2"');
    await wb.save();
    await wb.waitForAppText(APP, '#msg', /SALES-V2/, 60_000);
    assert.equal(await wb.waitForAppText(APP, '#data', /rows=\d+ total=\d+|ERROR/), 'rows=2 total=42', 'the restarted app still reads');
    assert.equal(isAlive(pid), false, 'the old process is gone');
    await wb.screenshot('azure-app-after-save');

    // No secret in the webview (its document and the state it was sent) or in any log or output channel.
    const preview = await wb.previewFrame(APP);
    const html = await preview.content();
    assert.ok(!html.includes(EMULATOR_KEY), 'the webview holds no secret');
    const logs = path.join(SHOTS, 'azure-logs-scan');
    fs.rmSync(logs, { recursive: true, force: true });
    server.saveLogs(logs);
    const files = filesUnder(logs);
    assert.ok(
      files.some((f) => /Data App Preview/.test(f)),
      `the extension log is among the scanned files: ${files.map((f) => path.basename(f)).join(', ')}`,
    );
    assert.ok(
      files.some((f) => f.includes(APP.replace('.py', ''))),
      "the app's output channel is among the scanned files",
    );
    for (const f of files) assert.ok(!fs.readFileSync(f, 'utf8').includes(EMULATOR_KEY), `a secret in ${f}`);
    const extLog = files
      .filter((f) => /Data App Preview/.test(f))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    assert.match(extLog, /azure: devstoreaccount1\/sales via connection string/);
    // The emulator's connection string holds its (public) key: nothing is revocable, and the log says so.
    assert.match(extLog, /azure scope closed: nothing revocable: the connection string holds the account key/);
  });
});
