// Runs inside the real extension host (VS Code's extensionTestsPath): the API-facing parts.
// `run()` rejects when a test fails (VS Code then exits with 1); each result is also written
// as JSON to $DAP_HOST_REPORT so the outer test can name what failed.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppSession } from '../../../src/app/session';
import { BARE_PYTHON, closeAll, EXT_ID, folder, root, runTests, step, until, venvPython, type Test } from './helpers';
import type { DataAppPreview } from '../../../src/root';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function previewFile(name: string): Promise<AppSession> {
  const r = await root();
  const uri = vscode.Uri.file(path.join(folder(), name));
  await vscode.window.showTextDocument(uri);
  await vscode.commands.executeCommand('dataAppPreview.preview', uri);
  return until(`${name} to be ready`, () => r.apps.all.find((s) => s.file.fsPath === uri.fsPath && s.state === 'ready'));
}

async function expectUserError(fn: () => Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(fn, (e: Error) => e.name === 'UserFacingError' && re.test(e.message));
}

const tests: Test[] = [
  [
    'activation (bundle load + activate) is measured',
    async () => {
      const ext = vscode.extensions.getExtension<DataAppPreview>(EXT_ID)!;
      assert.equal(ext.isActive, false, 'nothing activated it before this test');
      const t0 = performance.now();
      const r = await ext.activate();
      const outer = performance.now() - t0;
      assert.ok(typeof r.activationMs === 'number' && r.activationMs > 0 && r.activationMs <= outer + 1, `activationMs ${r.activationMs}, outer ${outer}`);
      fs.writeFileSync(`${process.env.DAP_HOST_REPORT}.activation`, JSON.stringify({ activationMs: r.activationMs, activateCallMs: Math.round(outer * 10) / 10 }));
    },
  ],
  [
    'every command of the manifest is registered',
    async () => {
      const r = await root();
      assert.ok(r.apps, 'activate() returns the root');
      const manifest = vscode.extensions.getExtension(EXT_ID)!.packageJSON as { contributes: { commands: Array<{ command: string }> } };
      const registered = new Set(await vscode.commands.getCommands(true));
      for (const { command } of manifest.contributes.commands) assert.ok(registered.has(command), `${command} is registered`);
    },
  ],
  [
    'without the Python extension, the interpreter comes from our setting, then PATH',
    async () => {
      const r = await root();
      assert.equal(vscode.extensions.getExtension('ms-python.python'), undefined, 'the Python extension is absent here');
      const uri = vscode.Uri.file(path.join(folder(), 'tornado_app.py'));
      const venv = venvPython();
      assert.deepEqual(await r.interpreters.resolve(uri), { path: venv, source: 'setting' });
      const cfg = vscode.workspace.getConfiguration('dataAppPreview', uri);
      await cfg.update('pythonPath', '', vscode.ConfigurationTarget.Workspace);
      try {
        const choice = await r.interpreters.resolve(uri);
        assert.equal(choice.source, 'PATH');
        assert.match(path.basename(choice.path), /^python3?$/);
      } finally {
        await cfg.update('pythonPath', venv, vscode.ConfigurationTarget.Workspace);
      }
    },
  ],
  [
    'two Preview App calls at once for one file give one session and one server',
    async () => {
      const r = await root();
      const uri = vscode.Uri.file(path.join(folder(), 'tornado_app.py'));
      await vscode.window.showTextDocument(uri);
      await Promise.all([vscode.commands.executeCommand('dataAppPreview.preview', uri), vscode.commands.executeCommand('dataAppPreview.preview', uri)]);
      const sessions = r.apps.all.filter((s) => s.file.fsPath === uri.fsPath);
      assert.equal(sessions.length, 1, `${sessions.length} sessions`);
      await until('it to be ready', () => sessions[0]!.state === 'ready');
      await closeAll();
    },
  ],
  [
    'a blob opened read-only is held only while its document is open (the account it names holds credentials)',
    async () => {
      const r = await root();
      const before = r.azure.documents.size;
      await r.azure.documents.show('/acct/container/notes.txt', { read: async () => 'BLOB TEXT' });
      assert.equal(vscode.window.activeTextEditor?.document.getText(), 'BLOB TEXT');
      assert.equal(r.azure.documents.size, before + 1);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await until('the blob document to be released', () => r.azure.documents.size === before || undefined, 60_000);
    },
  ],
  [
    'settings are read, and a changed setting applies on restart',
    async () => {
      const uri = vscode.Uri.file(path.join(folder(), 'tornado_app.py'));
      const cfg = vscode.workspace.getConfiguration('dataAppPreview', uri);
      const [p1, p2] = [await freePort(), await freePort()];
      await cfg.update('port', p1, vscode.ConfigurationTarget.Workspace);
      try {
        const session = await previewFile('tornado_app.py');
        assert.equal(session.statusMessage().port, p1, "the port setting is the front proxy's, which the preview loads");
        assert.notEqual(session.controller.supervisor.port, p1, 'the app server runs on a port of its own behind it');
        assert.match(await (await fetch(`http://127.0.0.1:${p1}/`)).text(), /tornado pid/, 'the front port serves the app');
        assert.equal(session.pythonPath, venvPython());
        await cfg.update('port', p2, vscode.ConfigurationTarget.Workspace);
        await vscode.commands.executeCommand('dataAppPreview.restart', uri);
        assert.equal(session.state, 'ready');
        assert.equal(session.statusMessage().port, p2, 'the new port applies after the restart');
        assert.match(await (await fetch(`http://127.0.0.1:${p2}/`)).text(), /tornado pid/);
      } finally {
        await cfg.update('port', undefined, vscode.ConfigurationTarget.Workspace);
        await closeAll();
      }
    },
  ],
  [
    "each app has its own output channel holding the server's output, bounded; the log is a LogOutputChannel",
    async () => {
      const r = await root();
      const session = await previewFile('tornado_app.py');
      assert.equal(session.output.channel.name, 'Data App: tornado_app.py');
      await until('the server output', () => session.output.recent().includes('tornado ready'));
      assert.match(session.output.recent(), /tornado_app\.py/, 'the command line is written before each run');
      for (let i = 0; i < 30; i++) session.output.append('x'.repeat(100_000) + '\n');
      assert.ok(session.output.size <= 2_000_000, `the channel holds ${session.output.size} characters`);
      assert.equal(r.log.name, 'Data App Preview');
      assert.equal(typeof r.log.logLevel, 'number', 'a LogOutputChannel');
      await closeAll();
    },
  ],
  [
    'a revived panel restarts its app and shows it',
    async () => {
      const r = await root();
      const file = path.join(folder(), 'flask_app.py');
      const panel = vscode.window.createWebviewPanel('dataAppPreview.preview', 'restored', vscode.ViewColumn.Beside, {});
      // Its pages are counted: the first one carries its final CSP, so the first start does not set
      // another (VS Code could leave the first on show while it loads the second).
      const html = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(panel.webview), 'html')!;
      let pages = 0;
      Object.defineProperty(panel.webview, 'html', {
        configurable: true,
        get: () => html.get!.call(panel.webview) as string,
        set: (v: string) => {
          pages++;
          html.set!.call(panel.webview, v);
        },
      });
      await r.apps.revive(panel, { version: 1, filePath: file });
      const session = await until('the revived session', () => r.apps.all.find((s) => s.file.fsPath === file && s.state === 'ready'));
      assert.equal(session.preview?.panel, panel, 'the restored panel is reused');
      assert.equal(pages, 1, 'one page from the start to ready');
      assert.match(panel.webview.html, /Content-Security-Policy/);
      assert.match(panel.webview.html, new RegExp(`frame-src [^;]*:${session.statusMessage().port}`), "the frame may load the front proxy's port");
      // A state naming no file is refused without starting anything.
      const bogus = vscode.window.createWebviewPanel('dataAppPreview.preview', 'bogus', vscode.ViewColumn.Beside, {});
      let disposed = false;
      bogus.onDidDispose(() => (disposed = true));
      await r.apps.revive(bogus, { version: 1, filePath: path.join(folder(), 'missing.py') });
      assert.ok(disposed);
      assert.equal(r.apps.all.length, 1);
      await closeAll();
    },
  ],
  [
    'the workspace .env reaches the app',
    async () => {
      const session = await previewFile('env_app.py');
      const res = await fetch(session.controller.supervisor.url!);
      assert.equal(await res.text(), 'GREETING=hello from .env');
      await closeAll();
    },
  ],
  [
    'bad input: untitled, outside the workspace, unknown framework, bad placeholder, missing module',
    async () => {
      const r = await root();
      const untitled = await vscode.workspace.openTextDocument({ language: 'python', content: 'import panel' });
      await expectUserError(() => r.apps.resolveTarget(untitled.uri), /never been saved/);
      const outside = path.join(path.dirname(folder()), `outside-${Date.now()}.py`);
      fs.writeFileSync(outside, 'import flask');
      try {
        await expectUserError(() => r.apps.resolveTarget(vscode.Uri.file(outside)), /outside the open workspace folders/);
      } finally {
        fs.rmSync(outside);
      }
      // Unknown framework, asked without a person to answer: nothing starts.
      assert.equal(await r.apps.resolveTarget(vscode.Uri.file(path.join(folder(), 'notes.py')), { interactive: false }), undefined);
      const notes = vscode.Uri.file(path.join(folder(), 'notes.py'));
      const cfg = vscode.workspace.getConfiguration('dataAppPreview', notes);
      await cfg.update('framework', 'custom', vscode.ConfigurationTarget.Workspace);
      await cfg.update('customCommand', '${python} ${fiel} --port ${port}', vscode.ConfigurationTarget.Workspace);
      try {
        await expectUserError(() => r.apps.resolveTarget(notes, { interactive: false }), /Unknown placeholder \$\{fiel\}.*\$\{file\}/);
      } finally {
        await cfg.update('framework', undefined, vscode.ConfigurationTarget.Workspace);
        await cfg.update('customCommand', undefined, vscode.ConfigurationTarget.Workspace);
      }
      // A framework that is not installed: named, with the install command, and nothing runs.
      const panelUri = vscode.Uri.file(path.join(folder(), 'panel_app.py'));
      const venv = venvPython();
      const panelCfg = vscode.workspace.getConfiguration('dataAppPreview', panelUri);
      await panelCfg.update('pythonPath', BARE_PYTHON, vscode.ConfigurationTarget.Workspace);
      try {
        const target = await r.apps.resolveTarget(panelUri, { interactive: false });
        assert.equal(target?.framework, 'panel');
        await vscode.commands.executeCommand('dataAppPreview.preview', panelUri);
        const session = await until('the failed start', () => r.apps.all.find((s) => s.file.fsPath === panelUri.fsPath && s.state === 'crashed'));
        const err = session.controller.supervisor.lastError!;
        assert.equal(err.name, 'ModuleMissingError');
        assert.match(err.message, /Panel is not installed for \/usr\/bin\/python3 \(no module "panel"\)/);
        // Debian's python3 is externally managed (PEP 668): the setup step offers no pip command, but a venv.
        const shown = await until('the setup advice', () => {
          const e = session.statusMessage().error;
          return e?.kind === 'missing-module' && /PEP 668/.test(e.hint) ? e : undefined;
        });
        assert.equal(shown.install, undefined, 'no pip command for an externally managed interpreter');
        assert.match(shown.hint, /virtual environment/);
        assert.deepEqual(session.controller.supervisor.livePids(), []);
        await closeAll();
      } finally {
        await panelCfg.update('pythonPath', venv, vscode.ConfigurationTarget.Workspace);
      }
    },
  ],
  [
    'Debug App: our debug type and its provider are registered; without the Python Debugger, F5 on our configuration runs Debug App and our type attaches',
    async () => {
      const r = await root();
      assert.equal(vscode.extensions.getExtension('ms-python.debugpy'), undefined, 'the Python Debugger is absent here');
      assert.equal(r.debugTypes.attachType(), 'dataAppPreview.debugpy');
      const manifest = vscode.extensions.getExtension(EXT_ID)!.packageJSON as { contributes: { debuggers: Array<{ type: string }> } };
      assert.deepEqual(
        manifest.contributes.debuggers.map((d) => d.type),
        ['dataAppPreview.debugpy'],
      );
      const file = path.join(folder(), 'flask_app.py');
      const started = new Promise<vscode.DebugSession>((resolve) => {
        const sub = vscode.debug.onDidStartDebugSession((s) => {
          sub.dispose();
          resolve(s);
        });
      });
      // A launch.json entry of ours: the provider hands it to Debug App, which attaches by itself.
      // (Without saving first: VS Code would ask where to save the untitled editor of an earlier test.)
      const launched = await step(
        'startDebugging with the launch configuration',
        vscode.debug.startDebugging(
          vscode.workspace.workspaceFolders![0],
          { type: 'dataAppPreview.debugpy', request: 'launch', name: 'Data App: Debug App', file },
          { suppressSaveBeforeStart: true },
        ),
      );
      assert.equal(launched, false, 'the launch configuration itself starts nothing');
      const debugSession = await step('the attach session to start', started);
      assert.equal(debugSession.type, 'dataAppPreview.debugpy');
      assert.equal(debugSession.configuration.request, 'attach');
      const session = await until('the app to run under the debugger', () => r.apps.all.find((s) => s.file.fsPath === file && s.state === 'ready' && s.debugger.enabled));
      assert.equal(session.debugger.session?.id, debugSession.id, 'the session knows its debug session');
      const ended = new Promise<void>((resolve) => {
        const sub = vscode.debug.onDidTerminateDebugSession((s) => {
          if (s.id !== debugSession.id) return;
          sub.dispose();
          resolve();
        });
      });
      await step('debugging off', session.setDebugging(false));
      await step('the debug session to end', ended);
      assert.equal(session.state, 'ready', 'debugging off: the app runs on, without the debugger');
      assert.equal(vscode.debug.activeDebugSession, undefined);
      await step('closeAll', closeAll());

      // "debug.openPreview" off: the app runs under the debugger with no preview panel until one is asked for.
      const flaskUri = vscode.Uri.file(file);
      const debugCfg = vscode.workspace.getConfiguration('dataAppPreview', flaskUri);
      await debugCfg.update('debug.openPreview', false, vscode.ConfigurationTarget.Workspace);
      try {
        const debugging = vscode.commands.executeCommand('dataAppPreview.debug', flaskUri);
        const headless = await until('the app under the debugger', () => r.apps.all.find((s) => s.file.fsPath === file && s.state === 'ready' && s.debugger.session)).catch(
          (e: Error) => {
            throw new Error(
              `${e.message}: ${JSON.stringify(r.apps.all.map((s) => [s.file.fsPath, s.state, s.debugger.enabled, !!s.debugger.session, s.controller.supervisor.lastVia]))}`,
            );
          },
        );
        await step('Debug App (no preview) to return', debugging);
        assert.equal(headless.preview, undefined, 'no preview panel');
        await step('Show App Preview', vscode.commands.executeCommand('dataAppPreview.showPreview', flaskUri));
        assert.ok(headless.preview, 'Show App Preview opens it');
        await step('closeAll', closeAll());
      } finally {
        await debugCfg.update('debug.openPreview', undefined, vscode.ConfigurationTarget.Workspace);
      }

      // "debug.stopAppOnDisconnect" off: stopping the debug session only detaches; the same process runs on.
      await debugCfg.update('debug.stopAppOnDisconnect', false, vscode.ConfigurationTarget.Workspace);
      try {
        await step('Debug App (stopAppOnDisconnect off)', vscode.commands.executeCommand('dataAppPreview.debug', flaskUri));
        const attached = await until('the app under the debugger', () => r.apps.all.find((s) => s.file.fsPath === file && s.state === 'ready' && s.debugger.session));
        const pid = attached.controller.supervisor.pid;
        await step('stopDebugging', vscode.debug.stopDebugging(attached.debugger.session));
        await until('the debugger to detach', () => !attached.debugger.enabled);
        assert.equal(attached.state, 'ready', 'the app runs on');
        assert.equal(attached.controller.supervisor.pid, pid, 'in the same process');
        await step('closeAll', closeAll());
      } finally {
        await debugCfg.update('debug.stopAppOnDisconnect', undefined, vscode.ConfigurationTarget.Workspace);
      }

      // An interpreter without debugpy (and no Python Debugger to lend one): said, with the install command.
      const envUri = vscode.Uri.file(path.join(folder(), 'env_app.py'));
      const envCfg = vscode.workspace.getConfiguration('dataAppPreview', envUri);
      const venv = venvPython();
      await envCfg.update('pythonPath', BARE_PYTHON, vscode.ConfigurationTarget.Workspace);
      try {
        await step('Debug App without debugpy', vscode.commands.executeCommand('dataAppPreview.debug', envUri));
        const failed = await until('the failed debug start', () => r.apps.all.find((s) => s.file.fsPath === envUri.fsPath && s.state === 'crashed'));
        const err = failed.controller.supervisor.lastError!;
        assert.equal(err.name, 'ModuleMissingError');
        assert.match(err.message, /debugpy \(needed by Debug App\) is not installed for \/usr\/bin\/python3 \(no module "debugpy"\)/);
        assert.deepEqual(failed.controller.supervisor.livePids(), [], 'nothing was started');
        await step('closeAll', closeAll());
      } finally {
        await envCfg.update('pythonPath', venv, vscode.ConfigurationTarget.Workspace);
      }
    },
  ],
  [
    'Debug App: a restart while the debugger attaches (a save, a settings change) ends attached to the new run',
    async () => {
      const r = await root();
      const file = path.join(folder(), 'flask_app.py');
      const first = new Promise<vscode.DebugSession>((resolve) => {
        const sub = vscode.debug.onDidStartDebugSession((s) => {
          sub.dispose();
          resolve(s);
        });
      });
      const debugging = vscode.commands.executeCommand('dataAppPreview.debug', vscode.Uri.file(file));
      await step('the first attach to start', first);
      const session = await until('the session', () => r.apps.all.find((s) => s.file.fsPath === file));
      const oldRun = session.controller.supervisor.currentRun?.id;
      await step('the restart', session.restart('restart while attaching'));
      await step('Debug App to return', debugging);
      const attached = await until(
        'attached to the new run',
        () => {
          const d = session.debugger.session;
          const run = session.controller.supervisor.currentRun?.id;
          return session.state === 'ready' && d && run !== oldRun && d.configuration.dataAppPreview?.runId === run ? d : undefined;
        },
        30_000,
      );
      assert.ok(attached);
      await step('closeAll', closeAll());
    },
  ],
  [
    'closing the preview stops its server; shutdown leaves nothing',
    async () => {
      const r = await root();
      const session = await previewFile('flask_app.py');
      const pids = session.controller.supervisor.livePids();
      assert.ok(pids.length >= 1);
      session.preview!.panel.dispose();
      await until('the server to stop', () => r.apps.all.length === 0 && pids.every((p) => !alive(p)));
    },
  ],
];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function run(): Promise<void> {
  return runTests(tests);
}
