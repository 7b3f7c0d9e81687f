// Debug App in a real VS Code (code-server + Chromium), with no Python Debugger extension there:
// our own debug type attaches to debugpy. A breakpoint set in the editor's gutter in a Flask
// request handler and in a Panel callback stops VS Code when the preview loads the page;
// Continue renders it; a save starts a new process that stops at the same breakpoint; Stop
// leaves nothing. The preview toolbar's Debug button switches a running preview in and out.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { isAlive } from '../../src/core/process';
import { debugAdapters, workspacePythons } from './processes';
import { CodeServer, ensureVsix, killOnExit, makeWorkspace } from './vscode';
import { SHOTS, Workbench } from './workbench';

killOnExit();

const lineOf = (file: string, text: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

describe('Debug App in a real VS Code (our debug type; no Python Debugger installed)', { timeout: 600_000 }, () => {
  let server: CodeServer;
  let wb: Workbench;
  let workspace: string;

  before(async () => {
    workspace = makeWorkspace();
    server = await CodeServer.start({ workspace, vsix: ensureVsix() });
    wb = await Workbench.open(server);
  });

  afterEach(async (t) => {
    await wb?.screenshot(`debug-${t.name.replace(/[^\w]+/g, '-').slice(0, 40)}`).catch(() => undefined);
  });

  after(async () => {
    server?.saveLogs(path.join(SHOTS, 'logs-debug'));
    await wb?.close();
    await server?.close();
    const deadline = Date.now() + 10_000;
    while ((workspacePythons(workspace, 'all').length || debugAdapters().length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const left = workspace ? workspacePythons(workspace, 'all') : [];
    const adapters = debugAdapters();
    for (const pid of [...left, ...adapters]) process.kill(pid, 'SIGKILL');
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    assert.ok(stillPaused, 'the last test left a debug run paused for deactivation to stop');
    assert.deepEqual(left, [], 'no app server or standby is left after code-server stops');
    assert.deepEqual(adapters, [], 'no debugpy adapter is left after code-server stops');
  });

  /** F9 on `line` of the active editor, as a person sets a breakpoint; waits for its gutter dot. */
  async function toggleBreakpoint(line: number): Promise<void> {
    await wb.goToLine(line);
    await wb.page.keyboard.press('F9');
    await wb.page.locator('.editor-group-container .monaco-editor .codicon-debug-breakpoint').first().waitFor({ timeout: 10_000 });
  }

  /** VS Code is paused at `file`:`line`, in `fn`: the call stack's top frame and the editor's stack-frame mark. */
  async function pausedAt(file: string, line: number, fn: string, timeoutMs = 60_000): Promise<void> {
    const top = wb.page.locator('.debug-call-stack .monaco-list-row .stack-frame').first();
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = ((await top.textContent({ timeout: 500 }).catch(() => '')) ?? '').replace(/\s+/g, ' ');
      if (last.includes(fn) && last.includes(file) && new RegExp(`(^|\\D)${line}:\\d+`).test(last)) {
        await wb.page.locator('.monaco-editor .codicon-debug-stackframe').first().waitFor({ timeout: 10_000 });
        return;
      }
      await wb.page.waitForTimeout(100);
    }
    throw new Error(`VS Code never paused at ${file}:${line} in ${fn} (top frame: "${last}")`);
  }

  async function continueRun(): Promise<void> {
    await wb.page.locator('.debug-toolbar .codicon-debug-continue').first().click();
  }

  async function debugEnded(timeoutMs = 20_000): Promise<void> {
    await wb.page.locator('.debug-toolbar').first().waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  async function nothingLeft(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while ((workspacePythons(workspace, 'all').length || debugAdapters().length) && Date.now() < deadline) await wb.page.waitForTimeout(100);
    assert.deepEqual(workspacePythons(workspace, 'all'), [], 'no app server or standby is left');
    assert.deepEqual(debugAdapters(), [], 'no debugpy adapter is left');
  }

  it("Flask: Debug App, a gutter breakpoint in the request handler stops on page load, holds across a save and the debug toolbar's Restart; its Stop stops the app and leaves nothing", async () => {
    const name = 'debug_flask.py';
    const file = path.join(workspace, name);
    const handler = lineOf(file, 'runs per request');
    await wb.openFile(name);
    await toggleBreakpoint(handler);
    await wb.command('Data App: Debug App');
    await pausedAt(name, handler, 'index'); // the preview asked for "/", the handler stopped
    await wb.screenshot('debug-flask-paused');
    await continueRun();
    await wb.waitForAppText(name, '#msg', /^VERSION-1$/, 30_000);
    const pidOnPage = async () => Number(/pid (\d+)/.exec(await wb.waitForAppText(name, 'p', /pid \d+/))![1]);
    const first = await pidOnPage(); // the app server (behind the front proxy's port)
    assert.ok(isAlive(first), 'the app serves');

    await wb.openFile(name);
    await wb.setLine(lineOf(file, 'MESSAGE = "VERSION-1"'), 'MESSAGE = "VERSION-2"  # line 6: module level, runs once per process');
    await wb.save();
    await pausedAt(name, handler, 'index'); // a new process, under the debugger again, the same breakpoint
    await continueRun();
    await wb.waitForAppText(name, '#msg', /^VERSION-2$/, 30_000);
    assert.equal(isAlive(first), false, 'the saved version runs in a new process');

    // The debug toolbar's Restart restarts the app: a new process, stopped at the breakpoint again.
    const second = await pidOnPage();
    assert.ok(second !== first && isAlive(second));
    await wb.page.locator('.debug-toolbar .codicon-debug-restart').first().click();
    await pausedAt(name, handler, 'index');
    await continueRun();
    await wb.waitForAppText(name, '#msg', /^VERSION-2$/, 30_000);
    const deadline = Date.now() + 10_000;
    while (isAlive(second) && Date.now() < deadline) await wb.page.waitForTimeout(100);
    assert.equal(isAlive(second), false, "the toolbar's Restart started a new process");

    // Its Stop (Disconnect, for an attached session) stops the app ("debug.stopAppOnDisconnect").
    await wb.page.locator('.debug-toolbar .codicon-debug-disconnect, .debug-toolbar .codicon-debug-stop').first().click();
    await debugEnded();
    await wb.waitForState(name, /Stopped/, 20_000);
    await nothingLeft();
    await wb.closeTab(`${name} · `);
  });

  it("Panel: the preview toolbar's Debug button switches a running preview into debugging (a callback breakpoint stops) and back", async () => {
    const name = 'panel_dashboard.py';
    const file = path.join(workspace, name);
    const callback = lineOf(file, 'return f"Doubled rows');
    await wb.openFile(name);
    await wb.command('Data App: Preview App');
    await wb.waitForAppText(name, 'text=Doubled rows', /Doubled rows: 6/, 90_000);
    await wb.openFile(name);
    await toggleBreakpoint(callback); // not under the debugger yet: nothing stops

    await wb.clickPreviewButton(name, 'btn-debug');
    await pausedAt(name, callback, 'doubled', 90_000); // the page's session ran the bound function
    const preview = await wb.previewFrame(name);
    assert.equal(await preview.locator('#btn-debug').getAttribute('aria-pressed'), 'true');
    await continueRun();
    await wb.waitForAppText(name, 'text=Doubled rows', /Doubled rows: 6/, 30_000);

    await wb.clickPreviewButton(name, 'btn-debug'); // off: a restart without the debugger
    await debugEnded();
    await wb.waitForState(name, /Running/, 60_000);
    await wb.waitForAppText(name, 'text=Doubled rows', /Doubled rows: 6/, 60_000); // the breakpoint no longer stops it
    assert.equal(await preview.locator('#btn-debug').getAttribute('aria-pressed'), 'false');
    assert.deepEqual(debugAdapters(), [], 'the debug run took its adapter with it');

    await wb.closeTab(`${name} · `);
    await nothingLeft();
  });

  it('deactivation with a debug run paused at a breakpoint: code-server stops, nothing is left (checked after it)', async () => {
    const name = 'debug_flask.py';
    await wb.openFile(name);
    await wb.command('Data App: Debug App');
    await pausedAt(name, lineOf(path.join(workspace, name), 'runs per request'), 'index'); // the breakpoint of the first test
    assert.ok(debugAdapters().length >= 1, 'its debugpy adapter runs');
    stillPaused = true;
  });
});
let stillPaused = false;
