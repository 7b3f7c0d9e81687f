// `npm start`: a sandboxed VS Code in the browser (code-server on 127.0.0.1) with this
// extension installed and the examples/ workspace open. Ctrl+C stops everything.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AzuriteServer, probeAzurite } from '../src/azure/azurite';
import { emulatorTarget } from '../src/azure/connection';
import { BlobHub } from '../src/azure/hub';
import { pythonImports } from '../src/core/frameworks';
import { CACHE, CodeServer, ensureVsix, freePort, REPO } from '../test/e2e/vscode';
import { putExampleSales } from '../test/integration/azure-env';
import { venvPython } from '../test/python-env';

/** The storage emulator for the Azure example, with data/sales.csv in a "sales" container. */
async function startEmulator(): Promise<{ port: number; server?: AzuriteServer }> {
  const wanted = Number(process.env.DAP_AZURITE_PORT ?? 10000);
  if (await probeAzurite(wanted)) {
    console.log(`Using the Azurite already running on port ${wanted}.`);
    return { port: wanted };
  }
  const port = (await isFree(wanted)) ? wanted : await freePort();
  console.log(`Starting Azurite (the storage emulator) on port ${port}…`);
  const server = await AzuriteServer.start({
    mainJs: path.join(REPO, 'node_modules/azurite/dist/src/blob/main.js'),
    port,
    location: path.join(REPO, '.vscode-test', 'azurite-data'),
  });
  const hub = new BlobHub();
  try {
    await putExampleSales(hub.client({ target: emulatorTarget(port) }));
  } finally {
    hub.dispose();
  }
  return { port, server };
}

async function main(): Promise<void> {
  const wanted = Number(process.env.DAP_PORT ?? 8080);
  const port = (await isFree(wanted)) ? wanted : await freePort();
  if (port !== wanted) console.log(`Port ${wanted} is busy; VS Code uses port ${port} instead (DAP_PORT chooses another).`);
  const examples = sandboxExamples();
  console.log('Building the extension (VSIX)…');
  const vsix = ensureVsix();
  const emulator = await startEmulator();
  console.log('Starting VS Code (code-server)…');
  const settings: Record<string, unknown> = {
    'dataAppPreview.azure.emulatorPort': emulator.port,
    // The copy lives inside this repository's ignored .vscode-test/: no question about the parent repository.
    'git.openRepositoryInParentFolders': 'never',
  };
  // There is no Python extension in the sandbox: use the project's pinned venv, which has every
  // example's framework (scripts/prereqs.sh made it). Without it, say which examples cannot run.
  let first = 'tornado_dashboard.py';
  try {
    settings['dataAppPreview.pythonPath'] = venvPython('main');
  } catch (e) {
    console.warn(`\n  ${(e as Error).message}`);
    settings['dataAppPreview.pythonPath'] = 'python3';
    const { lines, runnable } = examplesWithout('python3', examples.dir);
    for (const line of lines) console.warn(`  ${line}`);
    console.warn('');
    first = [first, 'hello_stdlib.py', ...runnable].find((a) => runnable.includes(a)) ?? first;
  }
  const server = await CodeServer.start({ workspace: examples.dir, vsix, port, settings });
  console.log(`\n  Data App Preview is ready: ${server.folderUrl()}\n`);
  console.log(`  Open an example (${first} is a good first one) and run "Data App: Preview App".`);
  console.log(`  The examples are your own copy (${examples.created ? 'new' : 'kept from the last time'}): ${examples.dir}`);
  console.log("  Edit them freely: the repository's examples/ stay as they are. Delete the copy to start fresh.");
  console.log('  Azure: in the "Azure Storage for Apps" sidebar, "Use the Local Emulator (Azurite)", then use the "sales"');
  console.log('  container for preview and preview azure_sales.py.');
  console.log('  Press Ctrl+C to stop VS Code and every app it started.\n');

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nStopping (${why})…`);
    await server.close(); // SIGTERM to code-server: the extension stops its apps; its reaper catches the rest
    await emulator.server?.stop();
    console.log('Stopped. Nothing is left running.');
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(sig));
  process.on('exit', () => {
    CodeServer.killAllNow();
    const pid = emulator.server?.process.pid;
    if (pid && !emulator.server?.process.hasExited) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Which examples `python` can run, and what each of the others lacks (one import probe for all). */
function examplesWithout(python: string, dir: string): { lines: string[]; runnable: string[] } {
  const apps = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.py'))
    .sort();
  const imports = new Map(apps.map((a) => [a, pythonImports(fs.readFileSync(path.join(dir, a), 'utf8'))]));
  const all = [...new Set([...imports.values()].flat())];
  const probe = spawnSync(python, ['-c', 'import importlib.util, sys\nfor m in sys.argv[1:]:\n    print(m) if importlib.util.find_spec(m) is None else None', ...all], {
    encoding: 'utf8',
  });
  if (probe.status !== 0)
    return { lines: [`${python} does not run (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}): no example can run.`], runnable: [] };
  const missing = new Set(probe.stdout.split('\n').filter(Boolean));
  const runnable = apps.filter((a) => !imports.get(a)!.some((m) => missing.has(m)));
  const lines = [`With ${python}, these examples can run: ${runnable.join(', ') || 'none'}.`];
  for (const a of apps.filter((x) => !runnable.includes(x)))
    lines.push(
      `${a} cannot: no module ${imports
        .get(a)!
        .filter((m) => missing.has(m))
        .join(', ')} (the venv has it).`,
    );
  return { lines, runnable };
}

/**
 * The sandbox's own copy of examples/, in the ignored .vscode-test/ (or DAP_EXAMPLES_COPY): a
 * trial's edits never show in `git status`. It is made once and kept, so edits survive a restart.
 */
function sandboxExamples(): { dir: string; created: boolean } {
  const dir = process.env.DAP_EXAMPLES_COPY ?? path.join(CACHE, 'start', 'examples');
  if (fs.existsSync(dir)) return { dir, created: false };
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.cpSync(path.join(REPO, 'examples'), dir, { recursive: true });
  return { dir, created: true };
}

function isFree(port: number): Promise<boolean> {
  return import('node:net').then(
    (net) =>
      new Promise<boolean>((resolve) => {
        const s = net.createServer();
        s.once('error', () => resolve(false));
        s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
      }),
  );
}

main().catch((e) => {
  console.error(`npm start failed: ${(e as Error).message}`);
  CodeServer.killAllNow();
  process.exit(1);
});
