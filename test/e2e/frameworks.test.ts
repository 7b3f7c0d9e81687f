// Real frameworks in a real VS Code (code-server + Chromium): Panel, Streamlit and Dash apps of
// the pinned venv, previewed through code-server's port forwarding (/proxy/<port>/), as a remote
// VS Code shows them. Each renders through the proxy (Panel and Streamlit over their
// websockets, Dash's callback over HTTP under the prefix), follows saves at the same URL (the
// front proxy's port; Panel and Streamlit switch to a hot standby), and leaves no process when
// its preview closes. Save → visible figures are printed, not asserted.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { isAlive } from '../../src/core/process';
import { median, timeSaves } from './figures';
import { workspacePythons } from './processes';
import { CodeServer, ensureVsix, killOnExit, makeWorkspace } from './vscode';
import { SHOTS, Workbench } from './workbench';

interface App {
  readonly file: string;
  readonly label: string;
  /** The path the app's page has behind /proxy/<port>. */
  readonly page: RegExp;
  /** Whether its page talks to the server over a websocket (Dash uses HTTP requests). */
  readonly websocket: boolean;
  /** Its page follows a save by itself (Streamlit reconnects and reruns): not loaded again. */
  readonly follows?: boolean;
}

const APPS: App[] = [
  { file: 'panel_dashboard.py', label: 'Panel', page: /\/proxy\/\d+\/panel_dashboard$/, websocket: true },
  { file: 'streamlit_app.py', label: 'Streamlit', page: /\/proxy\/\d+\/$/, websocket: true, follows: true },
  { file: 'dash_app.py', label: 'Dash', page: /\/proxy\/\d+\/$/, websocket: false },
];
const SAVES = 6;
const figures: Record<string, number[]> = {};

const messageLine = (file: string) => fs.readFileSync(file, 'utf8').split('\n').indexOf('MESSAGE = "VERSION-1"') + 1;

killOnExit();

describe('Real Panel, Streamlit and Dash apps in a real VS Code, through its port forwarding', { timeout: 600_000 }, () => {
  let server: CodeServer;
  let wb: Workbench;
  let workspace: string;
  const sockets: string[] = [];

  before(async () => {
    workspace = makeWorkspace();
    server = await CodeServer.start({ workspace, vsix: ensureVsix() });
    wb = await Workbench.open(server);
    wb.page.on('websocket', (ws) => sockets.push(ws.url()));
  });

  afterEach(async (t) => {
    await wb?.screenshot(`frameworks-${t.name.replace(/[^\w]+/g, '-').slice(0, 40)}`).catch(() => undefined);
  });

  after(async () => {
    server?.saveLogs(path.join(SHOTS, 'logs-frameworks'));
    await wb?.close();
    await server?.close();
    const left = workspace ? workspacePythons(workspace, 'all') : [];
    for (const pid of left) process.kill(pid, 'SIGKILL');
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    console.log('\nFigures (ms):');
    for (const [k, v] of Object.entries(figures)) console.log(`  ${k}: median ${v.length ? median(v) : '-'} over ${v.length} (${v.join(', ')})`);
    assert.deepEqual(left, [], 'no app server or standby is left after code-server stops');
  });

  for (const app of APPS) {
    it(`${app.label}: previews through /proxy/<port>/, renders through the proxy, follows saves, stops on close`, async () => {
      const file = path.join(workspace, app.file);
      await wb.openFile(app.file);
      const t0 = Date.now();
      await wb.command('Data App: Preview App');
      await wb.waitForAppText(app.file, '#msg', /^VERSION-1$/, 90_000);
      figures[`${app.label}: command → app visible`] = [Date.now() - t0];
      await wb.waitForState(app.file, /Running/);

      // The page came through code-server's forwarding, and so did its websocket: the widget's
      // text is computed by the server and rendered by the framework's front end.
      const frame = await wb.appFrame(app.file);
      assert.match(new URL(frame.url()).pathname, app.page, `the preview shows ${frame.url()}`);
      await wb.waitForAppText(app.file, 'text=Doubled rows', /Doubled rows: 6/); // Panel renders into shadow roots: the text engine pierces them
      const port = (f: typeof frame) => Number(/\/proxy\/(\d+)\//.exec(f.url())![1]);
      const frontPort = port(frame);
      if (app.websocket)
        assert.ok(
          sockets.some((u) => u.includes(`/proxy/${frontPort}/`)),
          `a websocket to the app went through /proxy/${frontPort}/ (saw: ${sockets.join(', ') || 'none'})`,
        );
      await frame.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
      const firstServers = workspacePythons(workspace, 'servers');
      assert.ok(firstServers.length > 0, 'a Python process of the workspace serves the app');
      await wb.screenshot(`${app.label}-visible`);

      // Every save: a new server, the new content at the same URL (the front proxy's port), the
      // websocket through the proxy live again.
      figures[`${app.label}: save → new content visible`] = await timeSaves(wb, app.file, messageLine(file), 'SAVED', SAVES, 1500);
      await wb.waitForAppText(app.file, 'text=Doubled rows', /Doubled rows: 6/);
      assert.equal(port(await wb.appFrame(app.file)), frontPort, 'the preview URL never changed');
      const kept = await (await wb.appFrame(app.file)).evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce === true);
      assert.equal(kept, !!app.follows, app.follows ? "Streamlit's page followed every save in place (it reconnected and reran)" : 'the page was loaded again');
      for (const pid of firstServers) assert.equal(isAlive(pid), false, `the first servers are gone (pid ${pid})`);
      const last = workspacePythons(workspace, 'all');
      assert.ok(last.length > 0 && last.every((p) => !firstServers.includes(p)), 'new processes serve the saved version');
      if (app.websocket) assert.ok(sockets.filter((u) => u.includes(`/proxy/${frontPort}/`)).length > 1, `the saved version's websocket went through /proxy/${frontPort}/`);
      await wb.screenshot(`${app.label}-after-saves`);

      await wb.closeTab(`${app.file} · `);
      const deadline = Date.now() + 15_000;
      while (workspacePythons(workspace, 'all').length && Date.now() < deadline) await wb.page.waitForTimeout(100);
      for (const pid of last) assert.equal(isAlive(pid), false, `closing the preview stops ${app.file} (pid ${pid})`);
      assert.deepEqual(workspacePythons(workspace, 'all'), [], 'and its hot or warm standby');
    });
  }
});
