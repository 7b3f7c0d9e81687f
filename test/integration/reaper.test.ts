// If the extension host is killed outright (no deactivate, no exit handler), the reaper still
// stops its app servers. The control case shows the test can fail: without the reaper the app
// (in its own session) survives its host.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { assertNoProcesses, isAlivePid, processesWithMarker, sleep, tempApp, waitFor } from './harness';

async function hostWithApp(useReaper: boolean, debug = false) {
  const { file } = tempApp('spawns_children.py');
  const marker = `dap-test-${randomUUID()}`;
  const host = spawn(process.execPath, [path.join(__dirname, 'host-main.js'), file, marker, useReaper ? 'yes' : 'no', debug ? 'debug' : 'plain'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PIDS_FILE: `${file}.pids` },
  });
  let out = '';
  host.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const line = await waitFor('the host to start its app', () => /READY .*\n/.exec(out)?.[0], 20_000);
  const [, kind, appPid, reaperPid] = line.trim().split(' ');
  assert.equal(kind, debug ? 'listening' : 'ready');
  return { host, marker, appPid: Number(appPid), reaperPid: Number(reaperPid) };
}

describe('reaper', () => {
  it('kills the app tree (grandchildren too) when the host is SIGKILLed, then exits', async () => {
    const { host, marker, appPid, reaperPid } = await hostWithApp(true);
    assert.ok(isAlivePid(appPid));
    await waitFor('the daemon', () => (processesWithMarker(marker).length === 4 ? true : undefined), 5000);
    assert.equal(processesWithMarker(marker).length, 4, 'server, two grandchildren and a double-forked daemon');
    host.kill('SIGKILL');
    await assertNoProcesses(marker);
    await waitFor('the reaper to exit', () => (!isAlivePid(reaperPid) ? true : undefined), 5000);
  });

  it("covers Debug App runs: the app waiting for its debugger and debugpy's daemonized adapter go too", async () => {
    const { host, marker, appPid } = await hostWithApp(true, true);
    assert.ok(isAlivePid(appPid));
    const adapter = await waitFor('the debugpy adapter', () => processesWithMarker(marker).find((p) => p !== appPid), 10_000);
    assert.ok(isAlivePid(adapter));
    host.kill('SIGKILL');
    await assertNoProcesses(marker);
  });

  it('control: without the reaper the app outlives a killed host', async () => {
    const { host, marker, appPid } = await hostWithApp(false);
    host.kill('SIGKILL');
    await sleep(500);
    try {
      assert.ok(isAlivePid(appPid), 'the orphan is still there');
    } finally {
      for (const pid of processesWithMarker(marker)) process.kill(pid, 'SIGKILL');
      await assertNoProcesses(marker);
    }
  });
});
