// What the extension-host suites share: the extension's root, the workspace, waiting, and the
// runner that reports each test to the outer test ($DAP_HOST_REPORT).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { DataAppPreview } from '../../../src/root';

export const EXT_ID = 'data-app-preview.data-app-preview';
export type Test = [string, () => Promise<void>];

export function folder(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace is open');
  return f.uri.fsPath;
}

/** The workspace's interpreter: the project's pinned venv (written into the settings by makeWorkspace). */
export function venvPython(): string {
  const py = vscode.workspace.getConfiguration('dataAppPreview').inspect<string>('pythonPath')?.workspaceValue;
  assert.ok(py && py.includes('.cache/python/main'), `the workspace names the project's venv (${py})`);
  return py;
}
/** An interpreter without Panel: Debian's, with nothing but the standard library. */
export const BARE_PYTHON = '/usr/bin/python3';

export async function root(): Promise<DataAppPreview> {
  const ext = vscode.extensions.getExtension<DataAppPreview>(EXT_ID);
  assert.ok(ext, `${EXT_ID} is installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

export async function until<T>(what: string, fn: () => T | undefined | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function closeAll(): Promise<void> {
  const r = await root();
  await r.apps.shutdown();
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Runs `tests` one by one; rejects when one failed (VS Code then exits with 1). */
export async function runTests(tests: readonly Test[]): Promise<void> {
  const results: Array<{ name: string; ok: boolean; error?: string; ms: number }> = [];
  for (const [name, fn] of tests) {
    const t0 = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // One test that hangs fails alone (and says so) instead of stopping the whole suite.
      await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('this test did not finish within 60 s')), 60_000)))]).finally(() =>
        clearTimeout(timer),
      );
      results.push({ name, ok: true, ms: Date.now() - t0 });
    } catch (e) {
      results.push({ name, ok: false, error: (e as Error).stack ?? String(e), ms: Date.now() - t0 });
      await closeAll().catch(() => undefined);
    }
  }
  const report = process.env.DAP_HOST_REPORT;
  if (report) fs.writeFileSync(report, JSON.stringify(results, null, 2));
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new Error(`${failed.length} extension-host test(s) failed: ${failed.map((f) => f.name).join('; ')}`);
}

/** `p`, or a failure naming the step that did not finish within `ms`. */
export function step<T>(what: string, p: Thenable<T>, ms = 20_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([Promise.resolve(p), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
