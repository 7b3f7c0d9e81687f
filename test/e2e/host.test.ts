// Runs test/e2e/host/*suite.ts inside the real extension host through VS Code's own
// extensionTestsPath mechanism, with the extension loaded unpacked from this repo.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { venvPython } from '../python-env';
import { CodeServer, killOnExit, makeWorkspace, packageTestExtension, REPO } from './vscode';
import { SHOTS, Workbench } from './workbench';

killOnExit();

interface HostRun {
  /** The compiled suite, under out/test/e2e/host/. */
  readonly suite: string;
  readonly expected: number;
  /** Other extensions installed beside ours (VSIX files). */
  readonly otherVsix?: readonly string[];
  readonly env?: Record<string, string>;
}

type Result = { name: string; ok: boolean; error?: string; ms: number };

/** Opens a workspace in code-server with the suite as extensionTestsPath; returns its results and report path. */
async function runInHost(run: HostRun): Promise<{ results: Result[]; report: string }> {
  const workspace = makeWorkspace();
  const report = path.join(workspace, '..', `${path.basename(workspace)}-report.json`);
  const server = await CodeServer.start({ workspace, env: { DAP_HOST_REPORT: report, ...run.env }, otherVsix: run.otherVsix });
  let wb: Workbench | undefined;
  try {
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((r) => (exit = r));
    const url = server.folderUrl(workspace, [
      ['extensionDevelopmentPath', server.remote(REPO)],
      ['extensionTestsPath', server.remote(path.join(REPO, 'out/test/e2e/host', run.suite))],
    ]);
    wb = await Workbench.open(server, url, (page) => page.exposeFunction('codeAutomationExit', (code: number) => exit(code)));
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<number>((_, rej) => (timer = setTimeout(() => rej(new Error('the extension-host tests never finished')), 240_000))),
    ]).finally(() => clearTimeout(timer));
    const results: Result[] = JSON.parse(fs.readFileSync(report, 'utf8'));
    for (const r of results) console.log(`  ${r.ok ? '✔' : '✖'} [extension host] ${r.name} (${r.ms} ms)${r.error ? `\n${r.error}` : ''}`);
    assert.equal(results.length, run.expected, 'every extension-host test ran');
    assert.deepEqual(
      results.filter((r) => !r.ok).map((r) => r.name),
      [],
    );
    assert.equal(code, 0, 'VS Code reported success');
    return { results, report };
  } finally {
    server.saveLogs(path.join(SHOTS, 'host-logs'));
    await wb?.close();
    await server.close();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(report, { force: true });
  }
}

describe('inside the real extension host', { timeout: 300_000 }, () => {
  before(() => {
    execFileSync('node', ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' }); // dist/ for the unpacked extension
  });

  it('commands, settings, interpreter fallback, revived panel, output channels, Debug App', async () => {
    const { report } = await runInHost({ suite: 'suite.js', expected: 13 });
    try {
      const activation = JSON.parse(fs.readFileSync(`${report}.activation`, 'utf8'));
      console.log(`  activation in the real extension host: ${activation.activationMs} ms (bundle load + activate); ext.activate() call ${activation.activateCallMs} ms`);
    } finally {
      fs.rmSync(`${report}.activation`, { force: true });
    }
  });

  it('Debug App with the Python Debugger installed (a stand-in: the real one cannot be installed here)', async () => {
    // Its bundled debugpy, as the real extension ships it: a copy of the main venv's package.
    const bundled = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-bundled-'));
    const site = path.join(path.dirname(path.dirname(venvPython('main'))), 'lib');
    const pkg = path.join(
      site,
      fs.readdirSync(site).find((d) => d.startsWith('python'))!,
      'site-packages',
      'debugpy',
    );
    fs.cpSync(pkg, path.join(bundled, 'libs', 'debugpy'), { recursive: true });
    const standIn = packageTestExtension('python-debugger-stand-in', path.join(bundled, 'python-debugger-stand-in.vsix'));
    try {
      await runInHost({
        suite: 'python-debugger-suite.js',
        expected: 2,
        otherVsix: [standIn],
        env: { DAP_STAND_IN_DEBUGPY: path.join(bundled, 'libs', 'debugpy') },
      });
    } finally {
      fs.rmSync(bundled, { recursive: true, force: true });
    }
  });
});
