// Debug App: a run started under debugpy, waiting for the debugger before any app code runs.
// The launch wrapping, the "listening" line the launcher prints, and the attach configuration.
// No `vscode` import.
import * as path from 'node:path';
import { launcherArgs, type LaunchSpec } from './launch';

/** The line python/dap_launch.py prints once debugpy listens (before it waits for the debugger). */
export const DEBUG_SENTINEL = '\0DAP-DEBUG-LISTENING';

/**
 * A debug run's readiness is probed on a path no app serves, so the probe itself never runs app
 * code: it would otherwise stop at a breakpoint in the page's handler (Flask) or build a
 * session (Panel, Bokeh) before the preview does. Any HTTP answer, a 404 too, means "up".
 */
export const DEBUG_READY_PATH = '/__data_app_preview__/ready';

export interface DebugAddress {
  readonly host: string;
  readonly port: number;
}

export interface DebugLaunchOptions {
  /** python/dap_launch.py. */
  readonly launcherPath: string;
  readonly address: DebugAddress;
  /** A folder holding a `debugpy` package to use when the interpreter has none (the Python Debugger extension's). */
  readonly debugpyPath?: string | undefined;
}

export class NotDebuggableError extends Error {
  override readonly name = 'NotDebuggableError';
}

/** `host:port` as the launcher takes it. */
export function debugAddress(a: DebugAddress): string {
  return `${a.host}:${a.port}`;
}

/**
 * The same run under debugpy: the launcher starts debugpy, waits for the debugger, then runs the
 * framework's CLI (or the script) exactly as before. A warm standby does the same on "go".
 */
export function debugLaunch(spec: LaunchSpec, opts: DebugLaunchOptions): LaunchSpec {
  const py = spec.python;
  if (!py || (!py.module && !py.script)) {
    throw new NotDebuggableError(
      spec.framework === 'observable'
        ? 'Debug App runs Python apps; an Observable Framework page runs in the browser (use its developer tools).'
        : `Debug App needs a Python launch: this custom command does not start with \${python} followed by -m <module> or a .py script.`,
    );
  }
  const addr = debugAddress(opts.address);
  return {
    ...spec,
    args: launcherArgs(opts.launcherPath, py, addr),
    env: {
      ...spec.env,
      // debugpy warns on every start that frozen stdlib modules may miss breakpoints; app code is never frozen.
      PYDEVD_DISABLE_FILE_VALIDATION: '1',
      ...(opts.debugpyPath ? { DATA_APP_DEBUGPY_PATH: opts.debugpyPath } : {}),
    },
    readyPath: DEBUG_READY_PATH,
    python: { ...py, preload: [...new Set([...py.preload, 'debugpy'])], debug: addr },
  };
}

export interface DebugListening {
  readonly host: string;
  readonly port: number;
  /** The run's process (cold: the launcher; warm: the standby), to tell a stale line from the current run's. */
  readonly pid: number;
}

/**
 * Takes the launcher's "listening" line out of a run's stdout and reports it. Text passes
 * through at once; only a partial line that may be the start of the sentinel is held back.
 */
export class DebugLineScanner {
  private held = '';

  constructor(private readonly onListening: (l: DebugListening) => void) {}

  /** Returns the text to show (without sentinel lines). */
  push(chunk: string): string {
    const text = this.held + chunk;
    this.held = '';
    if (!text.includes('\0')) return text;
    const lines = text.split('\n');
    const last = lines.pop()!;
    let out = '';
    for (const line of lines) {
      const at = line.indexOf(DEBUG_SENTINEL + ' ');
      if (at < 0) {
        out += line + '\n';
        continue;
      }
      out += line.slice(0, at);
      const parsed = parseListening(line.slice(at + DEBUG_SENTINEL.length + 1));
      if (parsed) this.onListening(parsed);
    }
    const nul = last.indexOf('\0');
    if (nul >= 0 && (DEBUG_SENTINEL.startsWith(last.slice(nul)) || last.startsWith(DEBUG_SENTINEL, nul))) {
      this.held = last.slice(nul);
      return out + last.slice(0, nul);
    }
    return out + last;
  }
}

function parseListening(json: string): DebugListening | undefined {
  try {
    const v = JSON.parse(json) as Partial<DebugListening>;
    if (typeof v.host === 'string' && Number.isInteger(v.port) && Number.isInteger(v.pid)) return { host: v.host, port: v.port!, pid: v.pid! };
  } catch {
    // not ours
  }
  return undefined;
}

/** Our own debug type: its adapter is the debugpy process itself (a debug adapter server on its port). */
export const OWN_DEBUG_TYPE = 'dataAppPreview.debugpy';
/** The Python Debugger extension's type. */
export const PYTHON_DEBUGGER_TYPE = 'debugpy';

export interface AttachOptions {
  readonly type: typeof OWN_DEBUG_TYPE | typeof PYTHON_DEBUGGER_TYPE;
  readonly appFile: string;
  readonly listening: DebugListening;
  readonly justMyCode: boolean;
  /** The extension's python/ folder: its launcher and standby frames are never "my code". */
  readonly launcherDir: string;
  /** Ties the debug session to the app and the run it attached to. */
  readonly runId: string;
}

/** The attach configuration, the same for both debug types (both speak to debugpy). */
export function attachConfiguration(o: AttachOptions): Record<string, unknown> & { type: string; name: string; request: 'attach' } {
  return {
    type: o.type,
    name: `Data App: ${path.basename(o.appFile)}`,
    request: 'attach',
    connect: { host: o.listening.host, port: o.listening.port },
    justMyCode: o.justMyCode,
    rules: [{ path: path.join(o.launcherDir, '**'), include: false }],
    dataAppPreview: { appFile: o.appFile, runId: o.runId, pid: o.listening.pid },
  };
}

/** The app and run a debug configuration of ours belongs to (undefined for others' configurations). */
export function dataAppOf(config: { readonly [k: string]: unknown }): { appFile: string; runId: string; pid: number } | undefined {
  const v = config.dataAppPreview as { appFile?: unknown; runId?: unknown; pid?: unknown } | undefined;
  if (!v || typeof v.appFile !== 'string' || typeof v.runId !== 'string' || typeof v.pid !== 'number') return undefined;
  return { appFile: v.appFile, runId: v.runId, pid: v.pid };
}
