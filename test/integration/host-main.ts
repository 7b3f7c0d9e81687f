// A stand-in for the extension host: starts one app through the supervisor (with or without
// the reaper), prints READY, and waits to be killed. Used by reaper.test.ts. With "debug" the
// run starts under debugpy (Debug App) and READY comes once debugpy listens (nobody attaches).
import * as path from 'node:path';
import { debugLaunch, DebugLineScanner } from '../../src/core/debug';
import { childEnvironment } from '../../src/core/env';
import { buildLaunch } from '../../src/core/launch';
import { silentLogger } from '../../src/core/log';
import { Reaper } from '../../src/core/reaper';
import { ColdLaunch } from '../../src/core/strategy';
import { AppSupervisor } from '../../src/core/supervisor';
import { venvPython } from '../python-env';

const PYTHON = venvPython('main');

const [file, marker, useReaper, debug] = process.argv.slice(2) as [string, string, string, string | undefined];
const LAUNCHER = path.resolve(__dirname, '../../../python/dap_launch.py');
const lines = new DebugLineScanner(() => process.stdout.write(`READY listening ${sup.pid} ${reaper?.pid ?? 0}\n`));
const reaper = useReaper === 'yes' ? new Reaper(path.resolve(__dirname, '../../src/reaper/main.js')) : undefined;
const sup = new AppSupervisor({
  host: '127.0.0.1',
  strategy: new ColdLaunch(),
  tracker: reaper,
  log: silentLogger,
  onOutput: (stream, text) => void (stream === 'stdout' && lines.push(text)),
  preferredPort: () => 0,
  readyTimeoutMs: () => 20_000,
  stopGraceMs: () => 1000,
  prepare: async (port) => {
    const built = buildLaunch({
      framework: 'script',
      filePath: file,
      text: '',
      python: PYTHON,
      host: '127.0.0.1',
      port,
      workspaceFolder: path.dirname(file),
      launcherPath: LAUNCHER,
    });
    const spec = debug === 'debug' ? debugLaunch(built, { launcherPath: LAUNCHER, address: { host: '127.0.0.1', port: port + 1 } }) : built;
    return { spec, env: childEnvironment(process.env, { DAP_TEST_MARKER: marker }, spec.env) };
  },
});
void sup.start().then((o) => {
  process.stdout.write(`READY ${o.kind} ${sup.pid} ${reaper?.pid ?? 0}\n`);
  setInterval(() => undefined, 1 << 30);
});
