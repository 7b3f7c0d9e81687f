// The first ten minutes of a new user, end to end in a real VS Code (code-server + Chromium):
// a missing module is a setup step whose Install runs and starts the app; a plain script is
// told apart from a crash and can be marked "not an app"; a second preview shares the
// preview's group; `npm start` leaves the repository clean. Each overlay is screenshotted.
//
// The module to install is a real wheel built here (dapfake_mod); pip installs it from a
// local folder (PIP_NO_INDEX, PIP_FIND_LINKS) into a fresh venv made for this test.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { venvPython } from '../python-env';
import { workspacePythons } from './processes';
import { CodeServer, ensureVsix, freePort, killOnExit, packageTestExtension, REPO } from './vscode';
import { SHOTS, Workbench } from './workbench';

const NEEDS = 'needs_module.py';
const REPORT = 'report.py';

const NEEDS_SRC = `import http.server
import os

import dapfake_mod


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"<p id='msg'>{dapfake_mod.MESSAGE}</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Page).serve_forever()
`;

const REPORT_SRC = `rows = [3, 4, 5]
print("report: total", sum(rows))
`;

/** A real wheel of one module, written as pip expects it (RECORD with sha256 hashes). */
const MAKE_WHEEL = `
import base64, hashlib, sys, zipfile
out = sys.argv[1]
files = {
    "dapfake_mod.py": 'MESSAGE = "FAKE-MODULE-OK"\\n',
    "dapfake_mod-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: dapfake_mod\\nVersion: 1.0\\n",
    "dapfake_mod-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: dap-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(out + "/dapfake_mod-1.0-py3-none-any.whl", "w") as z:
    for name, text in files.items():
        data = text.encode()
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("dapfake_mod-1.0.dist-info/RECORD,,")
    z.writestr("dapfake_mod-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
`;

const shots: string[] = [];

killOnExit();

describe('The first ten minutes in a real VS Code', { timeout: 600_000 }, () => {
  let server: CodeServer;
  let wb: Workbench;
  let root: string;
  let workspace: string;
  let venv: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-first-'));
    workspace = path.join(root, 'ws');
    const wheels = path.join(root, 'wheels');
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.mkdirSync(wheels);
    fs.writeFileSync(path.join(workspace, NEEDS), NEEDS_SRC);
    fs.writeFileSync(path.join(workspace, REPORT), REPORT_SRC);
    execFileSync(venvPython('main'), ['-c', MAKE_WHEEL, wheels]);
    // A venv of its own (with pip), so the install never touches the project's venv.
    venv = path.join(root, 'venv');
    execFileSync(venvPython('main'), ['-m', 'venv', venv]);
    const python = path.join(venv, 'bin', 'python');
    assert.notEqual(spawnStatus(python, ['-c', 'import dapfake_mod']), 0, 'the precondition: the module is not installed');
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'dataAppPreview.pythonPath': python, 'dataAppPreview.restartDebounceMs': 150 }));
    server = await CodeServer.start({
      workspace,
      vsix: ensureVsix(),
      env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    });
    wb = await Workbench.open(server);
  });

  afterEach(async (t) => {
    await wb?.screenshot(`first-end-of-${t.name.replace(/[^\w]+/g, '-').slice(0, 40)}`).catch(() => undefined);
  });

  after(async () => {
    server?.saveLogs(path.join(SHOTS, 'logs-first-minutes'));
    await wb?.close();
    await server?.close();
    const left = workspace ? workspacePythons(workspace, 'all') : [];
    for (const pid of left) process.kill(pid, 'SIGKILL');
    if (root) fs.rmSync(root, { recursive: true, force: true });
    console.log(`\nOverlay screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
    assert.deepEqual(left, [], 'no app server or standby is left');
  });

  it('a missing module shows the setup overlay; Install in Terminal installs it and the app starts', async () => {
    await wb.openFile(NEEDS);
    await wb.command('Data App: Preview App');
    await wb.waitForState(NEEDS, /^Setup needed$/, 60_000);
    const preview = await wb.previewFrame(NEEDS);
    await preview.locator('#overlay-install-btn').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await preview.locator('#overlay-title').textContent(), 'Setup needed');
    assert.match((await preview.locator('#overlay-message').textContent()) ?? '', /ModuleNotFoundError: No module named 'dapfake_mod'/);
    const hint = (await preview.locator('#overlay-hint').textContent()) ?? '';
    assert.match(hint, /-m pip install dapfake_mod/, "the install uses the venv's own interpreter");
    assert.ok(hint.includes(path.join(venv, 'bin', 'python')), hint);
    assert.ok(await preview.locator('#overlay-interpreter-btn').isVisible(), 'Select Interpreter is offered');
    assert.equal(await preview.locator('#overlay-restart-btn').isVisible(), false, 'restarting cannot help: not offered');
    shots.push(await wb.screenshot('overlay-setup-needed'));
    await preview.locator('#overlay-install-btn').click();
    // pip runs in a terminal; when it ends with 0 the app starts by itself.
    await wb.waitForState(NEEDS, /^Running$/, 90_000);
    await wb.waitForAppText(NEEDS, '#msg', /FAKE-MODULE-OK/);
    shots.push(await wb.screenshot('installed-and-running'));
    // The toolbar never cuts its state; the details are in its tooltip.
    const toolbar = await (
      await wb.previewFrame(NEEDS)
    ).evaluate(() => {
      const state = document.getElementById('state')!;
      return { whole: state.scrollWidth <= state.clientWidth, text: state.textContent, tooltip: document.getElementById('toolbar-text')!.title };
    });
    assert.deepEqual({ whole: toolbar.whole, text: toolbar.text }, { whole: true, text: 'Running' });
    assert.match(toolbar.tooltip, /^Running · needs_module\.py · Python server · :\d+ · ready in \d+ ms$/);
  });

  it('a plain script is "Not a server" with its output and a HOST/PORT hint; it can be marked "not an app"', async () => {
    // The first preview has the focus, as when a user clicks into it and previews another file.
    // The file has unsaved changes: a modal question, not a notification that hides itself.
    // Focus the editors' group (not the preview's) by its tab: keys pressed while the webview
    // has the focus may not reach the workbench.
    await wb.page.locator('.editor-group-container').first().locator('.tab', { hasText: NEEDS }).first().click();
    await wb.openFile(REPORT);
    await wb.setLine(1, 'rows = [3, 4, 5]  # edited');
    await (await wb.previewFrame(NEEDS)).locator('#title').click();
    await wb.explorerCommand(REPORT, 'Preview App');
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: 'unsaved changes' });
    await dialog.waitFor({ timeout: 10_000 });
    shots.push(await wb.screenshot('unsaved-changes-modal'));
    await dialog.locator('.monaco-button', { hasText: 'Save and Preview' }).click();
    await pickQuick(wb, 'Python server');
    await wb.waitForState(REPORT, /^Not a server$/, 60_000);
    const preview = await wb.previewFrame(REPORT);
    assert.match((await preview.locator('#overlay-output').textContent()) ?? '', /report: total 12/, "the script's output is shown");
    assert.match((await preview.locator('#overlay-hint').textContent()) ?? '', /HOST and PORT/);
    assert.ok(await preview.locator('#overlay-framework-btn').isVisible(), 'Change Framework… is offered');
    shots.push(await wb.screenshot('overlay-not-a-server'));
    // Two previews, one group: the editor and the previews make two groups, not three.
    assert.equal(await wb.page.locator('.editor-group-container').count(), 2, 'the second preview opened in the preview group');
    await preview.locator('#overlay-framework-btn').click();
    await pickQuick(wb, 'This file is not an app');
    await wb.page.locator('.tab', { hasText: `${REPORT} · Python server` }).waitFor({ state: 'detached', timeout: 20_000 });
    // Asked again, it is not previewed, and says how to change that.
    await wb.openFile(REPORT);
    await wb.command('Data App: Preview App');
    await wb.page.locator('.notifications-toasts', { hasText: 'marked as not an app' }).waitFor({ timeout: 10_000 });
    shots.push(await wb.screenshot('not-an-app-notice'));
  });
});

const ENV_SRC = `import html
import http.server
import os


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        got = os.environ.get("FROM_PYTHON_EXTENSION", "missing")
        body = f"<p id='env'>{html.escape(got)}</p><p id='cwd'>{html.escape(os.getcwd())}</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Page).serve_forever()
`;

// The Python extension cannot be installed here (no marketplace): a stand-in with its id, the
// parts of its API we use, and its two commands (test/e2e/python-extension-stand-in).
describe('Runs match the Python extension (stand-in)', { timeout: 600_000 }, () => {
  let server: CodeServer;
  let wb: Workbench;
  let root: string;
  let workspace: string;
  let calls: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-pyext-'));
    workspace = path.join(root, 'ws');
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.mkdirSync(path.join(workspace, 'data'));
    fs.writeFileSync(path.join(workspace, 'env_app.py'), ENV_SRC);
    fs.writeFileSync(path.join(workspace, 'needs_other.py'), 'import http.server\nimport dapfake_other\n');
    // No pythonPath: the interpreter comes from the (stand-in) Python extension. The app runs from data/.
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'dataAppPreview.cwd': 'data' }));
    calls = path.join(root, 'calls.txt');
    fs.writeFileSync(calls, '');
    const standIn = packageTestExtension('python-extension-stand-in', path.join(root, 'python-stand-in.vsix'));
    server = await CodeServer.start({ workspace, vsix: ensureVsix(), otherVsix: [standIn], env: { DAP_STAND_IN_PYTHON: venvPython('main'), DAP_STAND_IN_CALLS: calls } });
    wb = await Workbench.open(server);
  });

  after(async () => {
    server?.saveLogs(path.join(SHOTS, 'logs-python-extension'));
    await wb?.close();
    await server?.close();
    const left = workspace ? workspacePythons(workspace, 'all') : [];
    for (const pid of left) process.kill(pid, 'SIGKILL');
    if (root) fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(left, [], 'no app server or standby is left');
  });

  it("the app gets the Python extension's variables for its file, and runs from dataAppPreview.cwd", async () => {
    await wb.openFile('env_app.py');
    await wb.command('Data App: Preview App');
    await wb.waitForState('env_app.py', /^Running$/, 60_000);
    assert.equal(await wb.waitForAppText('env_app.py', '#env', /\S/), 'env_app.py');
    assert.equal(await wb.waitForAppText('env_app.py', '#cwd', /\S/), fs.realpathSync(path.join(workspace, 'data')));
  });

  it("the setup overlay's Select Interpreter and Create Environment run the Python extension's commands", async () => {
    await wb.openFile('needs_other.py');
    await wb.command('Data App: Preview App');
    await wb.waitForState('needs_other.py', /^Setup needed$/, 60_000);
    const preview = await wb.previewFrame('needs_other.py');
    await preview.locator('#overlay-env-btn').waitFor({ state: 'visible', timeout: 20_000 });
    shots.push(await wb.screenshot('overlay-setup-with-python-extension'));
    await preview.locator('#overlay-env-btn').click();
    await preview.locator('#overlay-interpreter-btn').click();
    await waitFor(() => fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean).length === 2, 10_000, 'both commands ran');
    assert.deepEqual(fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean), ['python.createEnvironment', 'python.setInterpreter']);
  });
});

describe('npm start leaves the repository clean', { timeout: 600_000 }, () => {
  let start: ChildProcess | undefined;
  let wb: Workbench | undefined;
  let blocker: net.Server | undefined;
  let copy: string;

  after(async () => {
    await wb?.close();
    if (start && start.exitCode === null) start.kill('SIGKILL');
    blocker?.close();
    if (copy) fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  });

  it('edits land in the sandbox copy, no parent-repository question, and a busy port is said', async () => {
    const busy = await freePort();
    const azurite = await freePort();
    blocker = net.createServer().listen(busy, '127.0.0.1');
    copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dap-start-')), 'examples');
    let out = '';
    const ready = new Promise<string>((resolve, reject) => {
      start = spawn(process.execPath, [path.join(REPO, 'out', 'scripts', 'start.js')], {
        cwd: REPO,
        env: { ...process.env, DAP_PORT: String(busy), DAP_EXAMPLES_COPY: copy, DAP_AZURITE_PORT: String(azurite) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      start.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready: (http\S+)/.exec(out);
        if (m && out.includes('Press Ctrl+C')) resolve(m[1]!); // the whole banner (it may come in several chunks)
      });
      start.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      start.on('exit', (code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${out}`)));
    });
    const url = await ready;
    assert.match(out, new RegExp(`Port ${busy} is busy; VS Code uses port \\d+ instead`));
    assert.match(out, /your own copy/);
    wb = await Workbench.open(undefined, url);
    await wb.openFile('hello_stdlib.py');
    await wb.goToLine(1);
    await wb.page.keyboard.press('Home');
    await wb.page.keyboard.type('# edited in the trial\n');
    await wb.save();
    const edited = path.join(copy, 'hello_stdlib.py');
    await waitFor(() => fs.readFileSync(edited, 'utf8').startsWith('# edited in the trial'), 10_000, 'the edit reaches the copy');
    await wb.page.waitForTimeout(2000); // time for a git prompt to show, if there were one
    const toasts = (await wb.page.locator('.notifications-toasts').allTextContents()).join('\n');
    assert.doesNotMatch(toasts, /parent folder|parent folders|git repository/i);
    await wb.screenshot('npm-start-edited');
    start!.kill('SIGINT');
    await new Promise((r) => start!.once('exit', r));
    assert.equal(execFileSync('git', ['status', '--porcelain', '--', 'examples'], { cwd: REPO, encoding: 'utf8' }), '', "the repository's examples/ are untouched");
  });
});

async function pickQuick(wb: Workbench, label: string): Promise<void> {
  const row = wb.page.locator('.quick-input-widget .monaco-list-row', { has: wb.page.locator('.label-name', { hasText: label }) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

function spawnStatus(cmd: string, args: string[]): number {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return 0;
  } catch (e) {
    return (e as { status?: number }).status ?? 1;
  }
}

async function waitFor(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
