// Runs inside the real extension host with a stand-in for the Python Debugger extension
// (test/e2e/python-debugger-stand-in: that extension cannot be installed here). Debug App then
// attaches with its `debugpy` type, and takes its bundled debugpy for an interpreter without one.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { closeAll, folder, root, runTests, step, until, venvPython, type Test } from './helpers';

async function debugUnder(file: string): Promise<vscode.DebugSession> {
  const r = await root();
  const started = new Promise<vscode.DebugSession>((resolve) => {
    const sub = vscode.debug.onDidStartDebugSession((s) => {
      sub.dispose();
      resolve(s);
    });
  });
  const debugging = vscode.commands.executeCommand('dataAppPreview.debug', vscode.Uri.file(file));
  const session = await step('the debug session to start', started).catch((e: Error) => {
    const s = r.apps.all.find((a) => a.file.fsPath === file);
    throw new Error(`${e.message}; the app: ${s?.state} ${s?.controller.supervisor.lastError?.message ?? ''} ${s?.controller.supervisor.lastVia ?? ''}`);
  });
  await step('Debug App to return', debugging);
  await until('the app to run under the debugger', () => r.apps.all.find((s) => s.file.fsPath === file && s.state === 'ready' && s.debugger.session?.id === session.id));
  return session;
}

const tests: Test[] = [
  [
    'with the Python Debugger installed, Debug App attaches with its debugpy type',
    async () => {
      const r = await root();
      assert.ok(vscode.extensions.getExtension('ms-python.debugpy'), 'the stand-in is installed');
      assert.equal(r.debugTypes.attachType(), 'debugpy');
      const session = await debugUnder(path.join(folder(), 'flask_app.py'));
      assert.equal(session.type, 'debugpy');
      assert.equal(session.configuration.request, 'attach');
      assert.equal(typeof session.configuration.connect?.port, 'number');
      assert.equal(session.configuration.justMyCode, true);
      await closeAll();
    },
  ],
  [
    "an interpreter without debugpy uses the Python Debugger's bundled one",
    async () => {
      const file = path.join(folder(), 'env_app.py');
      const cfg = vscode.workspace.getConfiguration('dataAppPreview', vscode.Uri.file(file));
      const main = venvPython();
      const seed = main.replace(/([/\\]python[/\\])main([/\\]bin)/, '$1seed$2'); // the seed venv has no debugpy
      await cfg.update('pythonPath', seed, vscode.ConfigurationTarget.Workspace);
      try {
        const session = await debugUnder(file);
        assert.equal(session.type, 'debugpy');
        const r = await root();
        assert.equal(r.apps.all.find((s) => s.file.fsPath === file)?.pythonPath, seed);
        await closeAll();
      } finally {
        await cfg.update('pythonPath', main, vscode.ConfigurationTarget.Workspace);
      }
    },
  ],
];

export function run(): Promise<void> {
  return runTests(tests);
}
