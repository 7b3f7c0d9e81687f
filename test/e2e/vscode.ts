// A real VS Code for tests and for `npm start`: code-server on loopback with the extension
// installed, fresh user data every time, nothing written to $HOME, everything stopped on close.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { venvPython } from '../python-env';

export const REPO = path.resolve(__dirname, '../../..');
export const CACHE = process.env.DAP_CACHE ?? path.join(REPO, '.vscode-test');

/** Installs code-server on demand (cached) and returns its binary. Throws with the reason. */
export function ensureCodeServer(): string {
  try {
    return execFileSync('bash', [path.join(REPO, 'test/e2e/install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .pop()!;
  } catch (e) {
    throw new Error(`code-server could not be installed, so VS Code cannot run: ${(e as Error).message}`);
  }
}

/** Builds the production VSIX (npm run package) unless DAP_VSIX points at one. */
export function ensureVsix(): string {
  if (process.env.DAP_VSIX) return process.env.DAP_VSIX;
  const vsix = path.join(REPO, 'data-app-preview.vsix');
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  return vsix;
}

/** A fresh copy of the e2e workspace (test/e2e/workspace plus the shared fixture apps). */
export function makeWorkspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-e2e-ws-'));
  fs.cpSync(path.join(REPO, 'test/e2e/workspace'), ws, { recursive: true });
  for (const app of ['tornado_app.py', 'flask_app.py', 'heavy_app.py', 'debug_flask.py']) fs.copyFileSync(path.join(REPO, 'test/fixtures/apps', app), path.join(ws, app));
  // Apps run with the project's pinned venv (there is no Python extension in code-server).
  const settingsFile = path.join(ws, '.vscode', 'settings.json');
  fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(settingsFile, 'utf8')), 'dataAppPreview.pythonPath': venvPython('main') }, null, 2));
  return ws;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

export interface CodeServerOptions {
  /** Folder to open (copied by the caller if it will be edited). */
  readonly workspace: string;
  /** The VSIX to install; none when the extension is loaded with extensionDevelopmentPath. */
  readonly vsix?: string;
  /** Other extensions' VSIX files to install (the Python Debugger stand-in). */
  readonly otherVsix?: readonly string[];
  /** User settings.json content merged over the test defaults. */
  readonly settings?: Record<string, unknown>;
  /** Sandbox root; a new temp folder by default. */
  readonly root?: string;
  readonly port?: number;
  readonly env?: Record<string, string>;
  /** Pipe code-server's output to this process's stderr. */
  readonly verbose?: boolean;
}

export class CodeServer {
  private constructor(
    readonly url: string,
    readonly root: string,
    readonly workspace: string,
    private readonly child: ChildProcess,
    private readonly ownsRoot: boolean,
  ) {}

  static async start(opts: CodeServerOptions): Promise<CodeServer> {
    const bin = ensureCodeServer();
    const ownsRoot = !opts.root;
    const root = opts.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dap-vscode-'));
    const dirs = { ud: path.join(root, 'user-data'), exts: path.join(root, 'extensions'), home: path.join(root, 'home') };
    for (const d of [dirs.ud, dirs.exts, dirs.home, path.join(dirs.ud, 'User')]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(
      path.join(dirs.ud, 'User', 'settings.json'),
      JSON.stringify(
        {
          'workbench.startupEditor': 'none',
          'workbench.welcomePage.walkthroughs.openOnInstall': false,
          'workbench.tips.enabled': false,
          'telemetry.telemetryLevel': 'off',
          'extensions.autoCheckUpdates': false,
          'extensions.autoUpdate': false,
          'update.mode': 'none',
          'security.workspace.trust.enabled': false,
          'window.restoreWindows': 'none',
          'files.autoSave': 'off',
          'editor.formatOnSave': false,
          // Typing in tests must give exactly the typed text.
          'editor.autoClosingBrackets': 'never',
          'editor.autoClosingQuotes': 'never',
          'editor.autoIndent': 'none',
          'editor.quickSuggestions': { other: false, comments: false, strings: false },
          'editor.suggestOnTriggerCharacters': false,
          'editor.acceptSuggestionOnEnter': 'off',
          'editor.parameterHints.enabled': false,
          ...opts.settings,
        },
        null,
        2,
      ),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: dirs.home,
      XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
      XDG_DATA_HOME: path.join(root, 'xdg-data'),
      XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
      ...opts.env,
    };
    const common = ['--user-data-dir', dirs.ud, '--extensions-dir', dirs.exts];
    for (const vsix of [...(opts.vsix ? [opts.vsix] : []), ...(opts.otherVsix ?? [])]) execFileSync(bin, [...common, '--install-extension', vsix], { env, stdio: 'ignore' });
    const port = opts.port ?? (await freePort());
    const child = spawn(
      bin,
      [
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--auth',
        'none',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        ...common,
        opts.workspace,
      ],
      { env, detached: true, stdio: ['ignore', opts.verbose ? 'inherit' : 'ignore', opts.verbose ? 'inherit' : 'ignore'] },
    );
    const url = `http://127.0.0.1:${port}`;
    const server = new CodeServer(url, root, opts.workspace, child, ownsRoot);
    CodeServer.live.add(server);
    const deadline = Date.now() + 30_000;
    while (!(await healthy(url))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await server.close();
        throw new Error(`code-server did not start on ${url} (exit ${child.exitCode})`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return server;
  }

  /** `vscode-remote://` URI of a path on this machine, as the workbench sees it. */
  remote(p: string): string {
    return `vscode-remote://${new URL(this.url).host}${p}`;
  }

  /** The workbench URL for a folder (default: the workspace). */
  folderUrl(folder = this.workspace, payload?: Array<[string, string]>): string {
    let u = `${this.url}/?folder=${encodeURIComponent(folder)}`;
    if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    return u;
  }

  /** Copies VS Code's logs (the extension's log channel included) to `dest` for diagnosis. */
  saveLogs(dest: string): void {
    const logs = path.join(this.root, 'user-data', 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, dest, { recursive: true });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Stops code-server and everything it started (its process group), then removes the sandbox. */
  async close(): Promise<void> {
    CodeServer.live.delete(this);
    const pid = this.child.pid;
    if (pid && this.child.exitCode === null) {
      const gone = new Promise((r) => this.child.once('exit', r));
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // gone
      }
      const t = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 5000);
      await gone;
      clearTimeout(t);
    }
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL'); // anything left in its group
      } catch {
        // none
      }
    }
    if (this.ownsRoot) fs.rmSync(this.root, { recursive: true, force: true });
  }

  private static readonly live = new Set<CodeServer>();

  /** Synchronous cleanup for process exit and signals. */
  static killAllNow(): void {
    for (const s of CodeServer.live) {
      try {
        if (s.child.pid) process.kill(-s.child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

/** For test processes: an interrupted run leaves no code-server behind. */
export function killOnExit(): void {
  process.once('exit', () => CodeServer.killAllNow());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      CodeServer.killAllNow();
      process.exit(130);
    });
  }
}

/** Packages a test extension folder of test/e2e (a stand-in or a probe) as a VSIX at `out`. */
export function packageTestExtension(folder: string, out: string): string {
  execFileSync(path.join(REPO, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out], {
    cwd: path.join(REPO, 'test/e2e', folder),
    stdio: 'ignore',
  });
  return out;
}
