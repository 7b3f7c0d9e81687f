// Debug App without VS Code: a real debugpy client (DAP over TCP, @vscode/debugadapter-testsupport)
// against runs the supervisor starts, cold and warm, with the real Flask from the project's venv.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { debugLaunch, DebugLineScanner, type DebugListening } from '../../src/core/debug';
import { pickFreePort } from '../../src/core/ports';
import type { WarmLaunch } from '../../src/core/warm';
import { get, LAUNCHER, startable, waitFor, type TestApp } from './harness';

const MODULE_LINE = 6; // debug_flask.py: MESSAGE = …
const HANDLER_LINE = 12; // debug_flask.py: inside index()

function debugApp(warm: boolean, debugging = () => true): { app: TestApp; endpoints: DebugListening[]; ports: number[] } {
  const endpoints: DebugListening[] = [];
  const ports: number[] = [];
  const scanner = new DebugLineScanner((l) => endpoints.push(l));
  const app = startable('debug_flask.py', 'flask', {
    watch: false,
    ...(warm ? { warm: {} } : {}),
    readyTimeoutMs: () => 0, // a debug run may sit at a breakpoint for as long as the user looks
    wrap: async (spec) => {
      if (!debugging()) return spec;
      const port = await pickFreePort('127.0.0.1');
      ports.push(port);
      return debugLaunch(spec, { launcherPath: LAUNCHER, address: { host: '127.0.0.1', port } });
    },
    filterOutput: (t) => scanner.push(t),
  });
  return { app, endpoints, ports };
}

/** `p`, or a failure naming `what` after `ms` (the client has no timeouts of its own when it connects to a port). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Disconnects (the debuggee goes on), or just closes the socket when the adapter is gone. */
async function detach(dc: DebugClient): Promise<void> {
  await within(2000, 'disconnect response', dc.disconnectRequest({})).catch(() => undefined);
  (dc as unknown as { stopAdapter(): void }).stopAdapter();
}

/** A debug client that keeps every `stopped` event: one may come before the attach response. */
class Client extends DebugClient {
  private readonly stops: DebugProtocol.StoppedEvent[] = [];
  private waiter: (() => void) | undefined;
  constructor() {
    super('unused', '', 'python');
    this.on('stopped', (e: DebugProtocol.StoppedEvent) => {
      this.stops.push(e);
      this.waiter?.();
    });
  }
  async nextStop(): Promise<DebugProtocol.StoppedEvent> {
    while (!this.stops.length) await within(15_000, 'stopped event', new Promise<void>((r) => (this.waiter = r)));
    return this.stops.shift()!;
  }
}

/** Attaches as VS Code does (initialize → attach → setBreakpoints → configurationDone). */
async function attach(at: DebugListening, file: string, lines: number[]): Promise<Client> {
  const dc = new Client();
  await dc.start(at.port);
  await dc.initializeRequest({ adapterID: 'debugpy', clientID: 'dap-test', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  const attached = dc.attachRequest({ justMyCode: true } as never);
  await within(10_000, 'initialized event', dc.waitForEvent('initialized'));
  const set = await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: lines.map((line) => ({ line })) });
  assert.deepEqual(
    set.body.breakpoints.map((b) => [b.verified, b.line]),
    lines.map((l) => [true, l]),
  );
  await within(10_000, 'configurationDone response', dc.configurationDoneRequest());
  await within(10_000, 'attach response', attached);
  return dc;
}

/** Waits for a breakpoint stop; returns the top frame. */
async function stoppedAt(dc: Client): Promise<{ line: number; path: string | undefined; frameId: number; threadId: number }> {
  const stopped = await dc.nextStop();
  assert.equal(stopped.body.reason, 'breakpoint');
  const threadId = stopped.body.threadId as number;
  const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0]!;
  return { line: frame.line, path: frame.source?.path, frameId: frame.id, threadId };
}

function adapterProcesses(ports: number[]): string[] {
  const found: string[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const at = cmd.indexOf('--port');
      if (cmd.some((a) => a.includes('debugpy')) && at > 0 && ports.includes(Number(cmd[at + 1]))) found.push(`${name}: ${cmd.join(' ')}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

for (const warm of [false, true]) {
  describe(`Debug App, ${warm ? 'warm standby' : 'cold'} (real debugpy, real Flask)`, () => {
    test('breakpoints at module level and in a handler hit in every run; each save re-arms them; stop leaves nothing', async () => {
      const { app, endpoints, ports } = debugApp(warm);
      try {
        for (let run = 1; run <= 3; run++) {
          const message = `VERSION-${run}`;
          const started = run === 1 ? app.controller.start() : app.controller.restartNow(`edit ${run}`);
          const at = await waitFor(`debugpy listening (run ${run})`, () => endpoints[run - 1]);
          assert.equal(at.pid, app.controller.supervisor.pid, 'the listening line comes from the current run');
          assert.equal(app.controller.supervisor.state, run === 1 ? 'starting' : 'restarting', 'no app code runs before the debugger is there');
          const dc = await attach(at, app.file, [MODULE_LINE, HANDLER_LINE]);
          try {
            const first = await stoppedAt(dc);
            assert.equal(first.line, MODULE_LINE);
            assert.equal(fs.realpathSync(first.path!), fs.realpathSync(app.file));
            await dc.continueRequest({ threadId: first.threadId });
            const outcome = await started;
            assert.equal(outcome.kind, 'ready', JSON.stringify(outcome));
            if (warm && run > 1)
              assert.ok(
                app.log.lines.some((l) => l.includes('start (warm)')),
                'the restart went through the standby',
              );

            const page = get(`http://127.0.0.1:${app.controller.supervisor.port}/`);
            const inHandler = await stoppedAt(dc);
            assert.equal(inHandler.line, HANDLER_LINE);
            const seen = await dc.evaluateRequest({ expression: 'MESSAGE', frameId: inHandler.frameId, context: 'watch' });
            assert.equal(seen.body.result, `'${message}'`, 'the data of this run, seen from the debugger');
            await dc.continueRequest({ threadId: inHandler.threadId });
            assert.match((await page).body, new RegExp(message));

            if (warm) {
              const standby = await (app.strategy as WarmLaunch).standbyReady();
              assert.ok(standby?.imported.includes('debugpy'), 'the standby pre-imported debugpy');
              const threads = fs.readdirSync(`/proc/${standby!.pid}/task`).length;
              assert.equal(threads, 1, 'a standby starts no thread before "go" (debugpy imported, not listening)');
            }
            // The next version, on disk; the restart (top of the loop) stops this run: the session ends.
            fs.writeFileSync(app.file, fs.readFileSync(app.file, 'utf8').replace(message, `VERSION-${run + 1}`));
            if (run === 3) {
              // Stop takes the adapter with the run's tree: the debugger's connection closes.
              const socket = (dc as unknown as { _socket: import('node:net').Socket })._socket;
              const closed = new Promise((r) => socket.once('close', r));
              await app.controller.stop();
              await within(5000, 'the debugger connection to close', closed);
            }
          } finally {
            await detach(dc);
          }
        }
      } catch (e) {
        console.log('OUTPUT', app.output.join('').slice(-3000), app.log.lines.slice(-30).join('\n'));
        throw e;
      } finally {
        await app.dispose(); // asserts no process with the test's marker is left (debugpy's adapter inherits it)
      }
      assert.deepEqual(adapterProcesses(ports), [], 'no debugpy adapter is left');
    });
  });
}

describe('Debug App: runs no debugger ever attached to', () => {
  test('stop and restart leave no process, debugpy adapter included', async () => {
    const { app, endpoints, ports } = debugApp(false);
    try {
      const started = app.controller.start();
      await waitFor('debugpy listening', () => endpoints[0]);
      const restarted = app.controller.restartNow('nobody attached');
      assert.equal((await started).kind, 'cancelled');
      await waitFor('debugpy listening again', () => endpoints[1]);
      assert.equal(adapterProcesses(ports.slice(0, 1)).length, 0, "the first run's adapter went with its run");
      assert.equal(adapterProcesses(ports.slice(1)).length, 1, 'the second run has its adapter');
      await app.controller.stop();
      assert.equal((await restarted).kind, 'cancelled');
    } finally {
      await app.dispose();
    }
    assert.deepEqual(adapterProcesses(ports), [], 'no debugpy adapter is left');
  });
});

describe('Debug App and the warm standby', () => {
  test('switching debugging on starts cold and the log says why; the next debug run is warm again', async () => {
    let on = false;
    const { app, endpoints } = debugApp(true, () => on);
    try {
      await app.startReady();
      await (app.strategy as WarmLaunch).standbyReady();
      on = true;
      for (const [i, via] of [
        [0, 'cold: debugging was turned on'],
        [1, 'warm'],
      ] as const) {
        const restarted = app.controller.restartNow(`debug ${i}`);
        const dc = await attach(await waitFor('debugpy listening', () => endpoints[i]), app.file, []);
        try {
          assert.equal((await restarted).kind, 'ready');
          assert.equal(app.controller.supervisor.lastVia, via);
          if (i === 0) await (app.strategy as WarmLaunch).standbyReady();
        } finally {
          await detach(dc);
        }
      }
    } finally {
      await app.dispose();
    }
  });
});
