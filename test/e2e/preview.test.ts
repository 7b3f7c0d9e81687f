// End-to-end in a real VS Code (code-server) driven through Chromium: what a person sees.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { CodeServer, ensureVsix, killOnExit, makeWorkspace, packageTestExtension } from './vscode';
import { isAlive } from '../../src/core/process';
import { timeSaves } from './figures';
import { workspacePythons } from './processes';
import { SHOTS, Workbench } from './workbench';

const TORNADO = 'tornado_app.py';
const FLASK = 'flask_app.py';
/** The line of `MESSAGE = "VERSION-1"` in the workspace's tornado_app.py. */
const MESSAGE_LINE = 7;
const figures: Record<string, number[]> = {
  'command → app visible': [],
  'save → new content visible': [],
  'heavy app (pandas + matplotlib), save → visible, cold': [],
  'heavy app (pandas + matplotlib), save → visible, warm': [],
};

const alive = isAlive;

const appServers = (workspace: string) => workspacePythons(workspace, 'servers');

const pidIn = (text: string) => Number(/pid (\d+)/.exec(text)?.[1]);

/** Types a new MESSAGE, saves, and records how long until the preview shows it. */
async function saveVersion(wb: Workbench, version: number): Promise<void> {
  await wb.openFile(TORNADO);
  await wb.setLine(MESSAGE_LINE, `MESSAGE = "VERSION-${version}"`);
  const t0 = Date.now();
  await wb.save();
  await wb.waitForAppText(TORNADO, '#msg', new RegExp(`VERSION-${version}`));
  figures['save → new content visible']!.push(Date.now() - t0);
}

/**
 * Saves `version` and watches the page on show in the preview until it shows it: what it showed
 * meanwhile other than the previous version (a blank or half-loaded page) is returned.
 */
async function saveWatching(wb: Workbench, version: number): Promise<string[]> {
  await wb.openFile(TORNADO);
  await wb.setLine(MESSAGE_LINE, `MESSAGE = "VERSION-${version}"`);
  await wb.save();
  const seen: string[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const text = await wb
      .appFrame(TORNADO)
      .then((f) => f.evaluate(() => document.querySelector('#msg')?.textContent ?? `(no #msg: ${location.href} ${document.readyState})`))
      .catch(() => undefined); // the frames are being swapped
    if (text === `VERSION-${version}`) return seen;
    if (text !== undefined && text !== `VERSION-${version - 1}`) seen.push(text);
    await wb.page.waitForTimeout(20);
  }
  throw new Error(`VERSION-${version} never showed (saw: ${seen.join(' | ')})`);
}

killOnExit();

describe('Data App Preview in a real VS Code', { timeout: 600_000 }, () => {
  let server: CodeServer;
  let wb: Workbench;
  let workspace: string;
  let probeOut: string;

  before(async () => {
    workspace = makeWorkspace();
    assert.equal(fs.readFileSync(path.join(workspace, TORNADO), 'utf8').split('\n')[MESSAGE_LINE - 1], 'MESSAGE = "VERSION-1"');
    // An ordinary extension installed beside ours: what can it get from our API?
    probeOut = path.join(os.tmpdir(), `dap-probe-${path.basename(workspace)}.json`);
    const probe = packageTestExtension('exports-probe', path.join(os.tmpdir(), `dap-exports-probe-${process.pid}.vsix`));
    server = await CodeServer.start({ workspace, vsix: ensureVsix(), otherVsix: [probe], env: { DAP_PROBE_OUT: probeOut } });
    wb = await Workbench.open(server);
  });

  afterEach(async (t) => {
    // Every step ends with a screenshot (a failing one too).
    await wb?.screenshot(`end-of-${t.name.replace(/[^\w]+/g, '-').slice(0, 40)}`).catch(() => undefined);
  });

  after(async () => {
    server?.saveLogs(path.join(SHOTS, 'logs'));
    await wb?.close();
    await server?.close();
    const left = workspace ? workspacePythons(workspace, 'all') : []; // servers and standbys
    for (const pid of left) process.kill(pid, 'SIGKILL');
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    console.log('\nFigures (ms):');
    for (const [k, v] of Object.entries(figures)) {
      const sorted = [...v].sort((a, b) => a - b);
      console.log(`  ${k}: median ${sorted[Math.floor(sorted.length / 2)] ?? '-'} over ${v.length} (${v.join(', ')})`);
    }
    assert.deepEqual(left, [], 'no app server or standby is left after code-server stops');
  });

  it('1. Preview App from the palette shows the app', async () => {
    await wb.openFile(TORNADO);
    await wb.screenshot('editor-open');
    assert.equal(await wb.paletteHas('Data App: Preview App'), true);
    assert.equal(await wb.paletteHas('Data App: Stop App'), false, 'Stop is offered only while an app runs');
    const t0 = Date.now();
    await wb.command('Data App: Preview App');
    const text = await wb.waitForAppText(TORNADO, '#msg', /VERSION-1/);
    figures['command → app visible']!.push(Date.now() - t0);
    assert.equal(text, 'VERSION-1');
    await wb.waitForState(TORNADO, /Running/);
    await wb.screenshot('app-visible');
    assert.equal(await wb.paletteHas('Data App: Stop App'), true);
    assert.equal(await wb.paletteHas('Data App: Restart App'), true);
  });

  it('2. Edit and Ctrl+S: the new content shows at the same URL, with no blank page between; the old server is gone', async () => {
    const frameSrc = async () => (await wb.previewFrame(TORNADO)).locator('#app-frame').getAttribute('src');
    const url = await frameSrc();
    assert.match(url ?? '', /^http:\/\/[^/]+\/proxy\/\d+\/$/, 'the preview loads the front port, forwarded by code-server');
    for (let i = 2; i <= 4; i++) {
      const oldPid = pidIn(await wb.waitForAppText(TORNADO, 'p', /pid \d+/));
      assert.ok(alive(oldPid));
      // No blank page: the old page stays on show until the new one has loaded behind it.
      assert.deepEqual(await saveWatching(wb, i), [], 'the preview showed the old version, then the new one, and nothing between');
      const newPid = pidIn(await wb.waitForAppText(TORNADO, 'p', /pid \d+/));
      assert.notEqual(newPid, oldPid);
      // Overlapped: the old server is stopped in the background, and goes within its grace period.
      const deadline = Date.now() + 5000;
      while (alive(oldPid) && Date.now() < deadline) await wb.page.waitForTimeout(50);
      assert.equal(alive(oldPid), false, 'the old server process is gone');
      assert.equal(await frameSrc(), url, 'the preview URL never changes across restarts (the front proxy)');
    }
    await wb.screenshot('after-save');
  });

  it('3. A syntax error shows the traceback; fixing it brings the app back', async () => {
    await wb.openFile(TORNADO);
    await wb.setLine(MESSAGE_LINE, 'MESSAGE = = "VERSION-4"');
    await wb.save();
    await wb.waitForState(TORNADO, /Crashed/);
    const preview = await wb.previewFrame(TORNADO);
    const output = (await preview.locator('#overlay-output').textContent()) ?? '';
    assert.match(output, /SyntaxError/);
    assert.match(output, /tornado_app\.py/);
    assert.doesNotMatch(output, /dap_standby|dap_launch|runpy/, 'none of our own frames');
    assert.ok(await preview.locator('#overlay-output-btn').isVisible(), 'Show output is offered');
    // The user's file and line come first, as a link; it opens the editor at that line.
    const link = preview.locator('#overlay-message a.source-link');
    assert.match((await link.textContent()) ?? '', new RegExp(`tornado_app\\.py, line ${MESSAGE_LINE}$`));
    assert.match((await preview.locator('#overlay-hint').textContent()) ?? '', /cannot read tornado_app\.py at line 7/);
    await wb.screenshot('crash-overlay');
    await wb.goToLine(1);
    await link.click();
    await wb.page.locator('[id="status.editor.selection"]', { hasText: `Ln ${MESSAGE_LINE},` }).waitFor({ timeout: 10_000 });
    // …and the Problems panel has the error at that line.
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+Shift+M'); // Problems
    const problem = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'SyntaxError' });
    await problem.first().waitFor({ timeout: 10_000 });
    assert.match((await problem.first().textContent()) ?? '', /Data App Preview/);
    assert.match((await problem.first().getAttribute('aria-label')) ?? '', new RegExp(`line ${MESSAGE_LINE}\\b`, 'i'));
    await wb.screenshot('problems-panel');
    await wb.openFile(TORNADO);
    await wb.setLine(MESSAGE_LINE, 'MESSAGE = "VERSION-4"');
    await wb.save();
    await wb.waitForState(TORNADO, /Running/);
    await problem.first().waitFor({ state: 'detached', timeout: 10_000 }); // cleared by the good start
    await wb.waitForAppText(TORNADO, '#msg', /VERSION-4/);
    await wb.screenshot('fixed');
  });

  it('4. Stop ends the server and says so; Restart brings it back', async () => {
    const pid = pidIn(await wb.waitForAppText(TORNADO, 'p', /pid \d+/));
    const statusItem = wb.page.locator('[id="workbench.parts.statusbar"] .statusbar-item', { hasText: TORNADO }).first();
    await statusItem.waitFor({ state: 'visible', timeout: 5000 }); // the precondition: a running app has one
    await wb.clickPreviewButton(TORNADO, 'btn-stop');
    await wb.waitForState(TORNADO, /Stopped/);
    assert.equal(alive(pid), false);
    await statusItem.waitFor({ state: 'hidden', timeout: 5000 }); // a stopped app leaves the status bar
    const preview = await wb.previewFrame(TORNADO);
    assert.match((await preview.locator('#overlay-title').textContent()) ?? '', /stopped/i);
    await wb.screenshot('stopped');
    await wb.clickPreviewButton(TORNADO, 'btn-restart');
    await wb.waitForState(TORNADO, /Running/);
    await wb.waitForAppText(TORNADO, '#msg', /VERSION-4/);
  });

  it('5. Two apps preview at once, each with its own server', async () => {
    await wb.openFile(FLASK);
    const t0 = Date.now();
    await wb.command('Data App: Preview App');
    await wb.waitForAppText(FLASK, '#msg', /VERSION-1/);
    figures['command → app visible']!.push(Date.now() - t0);
    const flaskPid = pidIn(await wb.waitForAppText(FLASK, 'p', /pid \d+/));
    const tornadoPid = pidIn(await wb.waitForAppText(TORNADO, 'p', /pid \d+/));
    assert.notEqual(flaskPid, tornadoPid);
    assert.ok(alive(flaskPid) && alive(tornadoPid));
    assert.equal(appServers(workspace).length, 2);
    await wb.screenshot('two-apps');
    // The page's console warning reaches the editor: a count on the toolbar that opens the app's output.
    const preview = await wb.previewFrame(FLASK);
    await preview.locator('#btn-console').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await preview.locator('#console-count').textContent(), '1');
    await wb.screenshot('console-count');
    await wb.clickPreviewButton(FLASK, 'btn-console');
    await wb.page.locator('.part.panel .view-lines', { hasText: '[browser] console.warn' }).first().waitFor({ timeout: 10_000 });
    await wb.screenshot('console-in-output');
  });

  it('6. Reloading the window brings the previews back', async () => {
    await wb.command('Developer: Reload Window');
    await wb.page.waitForTimeout(1000);
    await wb.waitForWorkbench();
    await wb.waitForAppText(FLASK, '#msg', /VERSION-1/, 60_000);
    await wb.screenshot('revived-visible');
    // VS Code revives a webview when its tab is first shown: the Tornado preview is a background tab.
    await wb.page.locator('.tab[aria-label*="tornado_app.py · "]').first().click();
    await wb.waitForAppText(TORNADO, '#msg', /VERSION-4/, 60_000);
    await wb.screenshot('revived-background');
  });

  it('7. Closing a preview stops its server', async () => {
    const pid = pidIn(await wb.waitForAppText(FLASK, 'p', /pid \d+/));
    await wb.closeTab('flask_app.py · ');
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await wb.page.waitForTimeout(100);
    await wb.screenshot('closed-one');
    assert.equal(alive(pid), false, "the closed preview's server is gone");
    assert.equal(appServers(workspace).length, 1, 'the other app keeps running');
    await wb.page.waitForTimeout(500);
    assert.ok(workspacePythons(workspace, 'standbys').length <= 1, "the closed app's standby is gone too");
  });

  it('8. Figures: repeated preview and save timings (printed, not asserted)', async () => {
    for (let i = 0; i < 4; i++) {
      await wb.closeTab('tornado_app.py · ');
      await wb.openFile(TORNADO);
      const t0 = Date.now();
      await wb.command('Data App: Preview App');
      await wb.waitForAppText(TORNADO, '#msg', /VERSION-/);
      figures['command → app visible']!.push(Date.now() - t0);
    }
    for (let i = 5; i <= 8; i++) await saveVersion(wb, i);
  });

  it('9. Cold and warm restarts of a pandas + matplotlib app, side by side (printed, not asserted)', async () => {
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    const line = fs.readFileSync(path.join(workspace, 'heavy_app.py'), 'utf8').split('\n').indexOf('MESSAGE = "VERSION-1"') + 1;
    await wb.openFile('heavy_app.py');
    await wb.command('Data App: Preview App');
    await wb.waitForAppText('heavy_app.py', '#msg', /VERSION-1/, 60_000);
    for (const warm of [false, true]) {
      fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'dataAppPreview.warmStandby': warm }));
      await wb.page.waitForTimeout(1000); // the settings file is re-read
      await timeSaves(wb, 'heavy_app.py', line, `PREP${warm ? 'W' : 'C'}`, 1, 1500); // the first save after the switch prepares
      const key = `heavy app (pandas + matplotlib), save → visible, ${warm ? 'warm' : 'cold'}`;
      figures[key]!.push(...(await timeSaves(wb, 'heavy_app.py', line, warm ? 'WARM' : 'COLD', 4, 1500)));
    }
    await wb.screenshot('heavy-app');
    await wb.closeTab('heavy_app.py · ');
  });

  it('0. Another installed extension gets nothing from ours: activate() exports nothing outside our own tests', async () => {
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(probeOut) && Date.now() < deadline) await wb.page.waitForTimeout(200);
    const seen = JSON.parse(fs.readFileSync(probeOut, 'utf8')) as { found: boolean; active: boolean; type: string; keys: string[] };
    assert.deepEqual(seen, { found: true, active: true, type: 'undefined', keys: [] });
  });

  it("10. The app's page cannot speak for the extension: messages it posts to the preview are ignored", async () => {
    const FORGER = 'forging_app.py';
    await wb.openFile(FORGER);
    await wb.command('Data App: Preview App');
    // Its page posts a fake crash (with a command to run), a fake file path and URL, a frame reload and an action.
    await wb.waitForAppText(FORGER, '#sent', /sent/);
    await wb.page.waitForTimeout(500);
    const preview = await wb.previewFrame(FORGER);
    assert.equal(await preview.locator('#state').textContent(), 'Running');
    assert.equal(await preview.locator('#overlay').isVisible(), false, 'no overlay');
    assert.match((await preview.locator('#title').textContent()) ?? '', /^forging_app\.py · Python server/);
    assert.doesNotMatch((await preview.locator('body').innerText()) ?? '', /FORGED|Forged/);
    const app = await wb.appFrame(FORGER);
    assert.match(app.url(), /^http:\/\/[^#]+\/$/, `the frame was not navigated (${app.url()})`);
    assert.equal(await app.locator('#msg').textContent(), 'FORGER');
    await wb.screenshot('forged-messages-ignored');
    // The host's own messages still arrive: a restart shows the new server's page.
    const before = pidIn(await wb.waitForAppText(FORGER, '#pid', /pid \d+/));
    await wb.command('Data App: Restart App');
    await wb.waitForAppText(FORGER, '#pid', new RegExp(`pid (?!${before}\\b)\\d+`));
    await wb.closeTab('forging_app.py · ');
  });
});
