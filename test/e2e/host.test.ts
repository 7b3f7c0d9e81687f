// Runs test/e2e/host/suite.ts inside the real extension host through VS Code's own
// extensionTestsPath mechanism, with the extension loaded unpacked from this repo.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CodeServer, killOnExit, makeWorkspace, REPO } from './vscode';
import { SHOTS, Workbench } from './workbench';

killOnExit();

describe('inside the real extension host', { timeout: 300_000 }, () => {
  it('commands, settings, interpreter fallback, revived panel, output channels', async () => {
    execFileSync('node', ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' }); // dist/ for the unpacked extension
    const workspace = makeWorkspace();
    const report = path.join(workspace, '..', `${path.basename(workspace)}-report.json`);
    const server = await CodeServer.start({ workspace, env: { DAP_HOST_REPORT: report } });
    let wb: Workbench | undefined;
    try {
      let exit: (code: number) => void = () => undefined;
      const exited = new Promise<number>((r) => (exit = r));
      const url = server.folderUrl(workspace, [
        ['extensionDevelopmentPath', server.remote(REPO)],
        ['extensionTestsPath', server.remote(path.join(REPO, 'out/test/e2e/host/suite.js'))],
      ]);
      wb = await Workbench.open(server, url, (page) => page.exposeFunction('codeAutomationExit', (code: number) => exit(code)));
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<number>((_, rej) => (timer = setTimeout(() => rej(new Error('the extension-host tests never finished')), 240_000))),
      ]).finally(() => clearTimeout(timer));
      const results: Array<{ name: string; ok: boolean; error?: string; ms: number }> = JSON.parse(fs.readFileSync(report, 'utf8'));
      for (const r of results) console.log(`  ${r.ok ? '✔' : '✖'} [extension host] ${r.name} (${r.ms} ms)${r.error ? `\n${r.error}` : ''}`);
      assert.equal(results.length, 10, 'every extension-host test ran');
      const activation = JSON.parse(fs.readFileSync(`${report}.activation`, 'utf8'));
      console.log(`  activation in the real extension host: ${activation.activationMs} ms (bundle load + activate); ext.activate() call ${activation.activateCallMs} ms`);
      assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.name), []);
      assert.equal(code, 0, 'VS Code reported success');
    } finally {
      server.saveLogs(path.join(SHOTS, 'host-logs'));
      await wb?.close();
      await server.close();
      fs.rmSync(workspace, { recursive: true, force: true });
      fs.rmSync(report, { force: true });
      fs.rmSync(`${report}.activation`, { force: true });
    }
  });
});
