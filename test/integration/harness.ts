// Integration harness: real Python servers, real processes, no mock of child_process.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppController, type ControllerOptions } from '../../src/core/controller';
import { redact } from '../../src/azure/connection';
import type { ConsoleEntry } from '../../src/core/browser-console';
import { childEnvironment } from '../../src/core/env';
import { followSupervisor } from '../../src/core/front-door';
import { FrontProxy } from '../../src/core/front-proxy';
import { frontOrigins } from '../../src/core/origins';
import type { FrameworkId } from '../../src/core/frameworks';
import { buildLaunch, type LaunchContext, type LaunchSpec } from '../../src/core/launch';
import { isAlive } from '../../src/core/process';
import type { Logger } from '../../src/core/log';
import { ColdLaunch, type LaunchStrategy } from '../../src/core/strategy';
import type { StartOutcome } from '../../src/core/supervisor';
import { WarmLaunch, type WarmOptions } from '../../src/core/warm';
import { venvPython } from '../python-env';

export const STANDBY = path.resolve(__dirname, '../../../python/dap_standby.py');

/** The main test interpreter: Panel, Bokeh, Streamlit, Dash, Shiny, Gradio, Voilà, Solara, adlfs, pandas … */
export const PYTHON = venvPython('main');
export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/apps');
export const LAUNCHER = path.resolve(__dirname, '../../../python/dap_launch.py');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  trace(m: string) {
    this.lines.push(`trace ${m}`);
  }
  debug(m: string) {
    this.lines.push(`debug ${m}`);
  }
  info(m: string) {
    this.lines.push(`info ${m}`);
  }
  warn(m: string) {
    this.lines.push(`warn ${m}`);
  }
  error(m: string | Error) {
    this.lines.push(`error ${typeof m === 'string' ? m : m.message}`);
  }
}

/** Copies a fixture app (from `from`, default test/fixtures/apps) into a fresh folder (tests edit it). */
export function tempApp(fixture: string, as = fixture, from = FIXTURES): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-it-'));
  const file = path.join(dir, as);
  fs.copyFileSync(path.join(from, fixture), file);
  return { dir, file };
}

/** Copies a fixture folder into a fresh folder (`base` decides where: some tools look up from it). */
export function tempDir(fixtureDir: string, appFile: string, base = os.tmpdir()): { dir: string; file: string } {
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, 'dap-it-'));
  fs.cpSync(fixtureDir, dir, { recursive: true });
  return { dir, file: path.join(dir, appFile) };
}

export interface TestApp {
  readonly controller: AppController;
  readonly strategy: LaunchStrategy;
  readonly log: RecordingLogger;
  readonly marker: string;
  readonly output: string[];
  readonly dir: string;
  readonly file: string;
  /** The app's front proxy (option `front`), listening once startReady() ran. */
  readonly front: FrontProxy | undefined;
  /** What pages sent to the front proxy's console route. */
  readonly consoleEntries: ConsoleEntry[];
  /** Starts the app and fails unless it became ready: with the app's "No module named …" line when there is one. */
  startReady(): Promise<StartOutcome>;
  /** Stops everything, then asserts no process of this test is left. */
  dispose(): Promise<void>;
}

export interface StartableOptions extends Partial<ControllerOptions> {
  as?: string;
  /** The folder the fixture file is copied from (default test/fixtures/apps). */
  from?: string;
  /** Extra variables for the app (mutable: a test may change them between runs, like a .env). */
  env?: Record<string, string>;
  /** Other fixture files copied beside the app. */
  extra?: string[];
  /** Use the warm standby strategy (with these overrides). */
  warm?: Partial<WarmOptions>;
  /** Watch the folder for changes (default true); off when the caller reports changes itself. */
  watch?: boolean;
  /** The interpreter (default: the main venv's). */
  python?: string;
  /** Other launch inputs (an Observable root, forwarded origins …), given the app's folder and port. */
  launch?: (dir: string, port: number) => Partial<LaunchContext>;
  /** A fixture folder copied whole instead of one file (`fixture` is the app file's path inside it). */
  fixtureDir?: string;
  /** Where the app's temporary folder is made (default: the system's). */
  tempBase?: string;
  /** Sees each run's output before it is recorded (Debug App takes its "listening" line out). */
  filterOutput?: (text: string) => string;
  /** Changes each run's launch (Debug App wraps it with debugLaunch). */
  wrap?: (spec: LaunchSpec, port: number) => LaunchSpec | Promise<LaunchSpec>;
  /** Serve through a front proxy, as the extension does (its origins go to the framework). */
  front?: boolean;
  /** The front proxy's forwarded path prefix and origins, when the browser sees it forwarded. */
  frontForwarded?: () => { prefix: string; origins: readonly string[] };
}

export function startable(fixture: string, framework: FrameworkId, opts: StartableOptions = {}): TestApp {
  const { dir, file } = opts.fixtureDir ? tempDir(opts.fixtureDir, fixture, opts.tempBase) : tempApp(fixture, opts.as, opts.from);
  const python = opts.python ?? PYTHON;
  for (const extra of opts.extra ?? []) fs.copyFileSync(path.join(FIXTURES, extra), path.join(dir, extra));
  const marker = `dap-test-${randomUUID()}`;
  const log = new RecordingLogger();
  const output: string[] = [];
  const consoleEntries: ConsoleEntry[] = [];
  const front = opts.front
    ? new FrontProxy({
        host: '127.0.0.1',
        log,
        redact,
        onConsole: (e) => consoleEntries.push(e),
        prefix: () => opts.frontForwarded?.().prefix ?? '/',
        origins: () => opts.frontForwarded?.().origins ?? [],
      })
    : undefined;
  const watcher =
    opts.watch === false
      ? undefined
      : fs.watch(dir, { recursive: true }, (_e, name) => {
          if (name) void controller.fileChanged(path.join(dir, name.toString()));
        });
  const strategy: LaunchStrategy = opts.warm
    ? new WarmLaunch({
        standbyScript: STANDBY,
        workspace: dir,
        enabled: () => true,
        log,
        readyWaitMs: 20_000,
        ...opts.warm,
      })
    : new ColdLaunch();
  const controller = new AppController({
    appFile: file,
    root: dir,
    host: '127.0.0.1',
    strategy,
    log,
    prepare: async (port) => {
      const more = opts.launch?.(dir, port) ?? {};
      const built = buildLaunch({
        framework,
        filePath: file,
        text: fs.readFileSync(file, 'utf8'),
        python,
        host: '127.0.0.1',
        port,
        workspaceFolder: dir,
        launcherPath: LAUNCHER,
        ...more,
        extraOrigins: [...(front ? frontOrigins('127.0.0.1', front.port) : []), ...(more.extraOrigins ?? [])],
      });
      const spec = opts.wrap ? await opts.wrap(built, port) : built;
      // The marker is inherited by every descendant: the orphan check looks for it.
      return { spec, env: childEnvironment(process.env, { DAP_TEST_MARKER: marker, ...opts.env }, spec.env) };
    },
    preferredPort: () => 0,
    readyTimeoutMs: () => 20_000,
    stopGraceMs: () => 1500,
    watchGlob: () => '**/*.{py,csv}',
    watchExclude: () => [],
    debounceMs: () => 100,
    onOutput: (_s, t) => output.push(opts.filterOutput ? opts.filterOutput(t) : t),
    ...opts,
  });
  const following = front ? followSupervisor(front, controller.supervisor) : undefined;
  return {
    controller,
    strategy,
    log,
    marker,
    output,
    dir,
    file,
    front,
    consoleEntries,
    async startReady() {
      if (front && !front.port) await front.listen();
      const outcome = await controller.start();
      assertReady(outcome, output, python);
      return outcome;
    },
    async dispose() {
      watcher?.close();
      await controller.dispose();
      await strategy.dispose();
      following?.dispose();
      await front?.close();
      await assertNoProcesses(marker);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Fails unless `outcome` is ready. A missing module is a broken test environment, not a state
 * mismatch: the message is the app's own "No module named …" line and the interpreter.
 */
export function assertReady(outcome: StartOutcome, output: readonly string[], python: string): void {
  if (outcome.kind === 'ready') return;
  const text = output.join('');
  const missing = /^.*No module named .*$/m.exec(text);
  if (missing) assert.fail(`${missing[0].trim()}  (interpreter ${python}; is it in requirements/main.in?)`);
  assert.fail(`the app did not become ready: ${JSON.stringify(outcome)}\n--- its output, last lines ---\n${text.split('\n').slice(-15).join('\n')}`);
}

/** Pids of live processes whose environment holds `marker`. */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/environ`).includes(marker) && isAlive(Number(name))) found.push(Number(name));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

export async function assertNoProcesses(marker: string): Promise<void> {
  // A killed process may take a moment to leave the table.
  for (let i = 0; i < 50 && processesWithMarker(marker).length; i++) await sleep(20);
  assert.deepEqual(processesWithMarker(marker), [], 'processes left running');
}

/** One GET. Settles however the exchange ends: a response cut short (a server stopped mid-reply) rejects. */
export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      let ended = false;
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        ended = true;
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
      res.on('close', () => {
        if (!ended) reject(new Error('the response was cut short'));
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** A live, non-zombie process (the supervisor's own check). */
export const isAlivePid = isAlive;
