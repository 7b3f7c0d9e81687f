// What one app run is launched with: the interpreter, the framework check, the .env file, the
// external (forwarded) URL and origins, and Debug App's wrapping. Used by the session's prepare().
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Config } from '../config/config';
import { debugLaunch } from '../core/debug';
import { describeLines, readEnvFile } from '../core/dotenv';
import { childEnvironment } from '../core/env';
import { FRAMEWORKS } from '../core/frameworks';
import { buildLaunch, forwardedPrefix, type LaunchSpec } from '../core/launch';
import { frontOrigins } from '../core/origins';
import type { Logger } from '../core/log';
import { pickFreePort } from '../core/ports';
import { hasModule, ModuleMissingError } from '../core/python';
import type { Prepared } from '../core/supervisor';
import type { DebugTypes } from './debug-types';
import type { InterpreterResolver } from './interpreter';
import type { SessionTarget } from './targets';

export const HOST = '127.0.0.1';

export interface LaunchEnvDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: Logger;
  readonly interpreters: InterpreterResolver;
  readonly debugTypes: DebugTypes;
}

export class LaunchEnvironment {
  private python: string | undefined;
  private moduleChecked = false;
  private _frameUrl: string | undefined;
  private _frameOrigins: string[] = [];
  private _forwarded: { prefix: string; origins: string[] } = { prefix: '/', origins: [] };

  constructor(
    private readonly deps: LaunchEnvDeps,
    private readonly target: SessionTarget,
  ) {}

  /** The interpreter of the current run (undefined before the first start). */
  get pythonPath(): string | undefined {
    return this.python;
  }

  /** The URL the preview and Open in Browser load (through asExternalUri). */
  get frameUrl(): string | undefined {
    return this._frameUrl;
  }

  /** Origins the preview's frame may load (its CSP). */
  get frameOrigins(): readonly string[] {
    return this._frameOrigins;
  }

  /** What the browser sees of the front port when it is forwarded: the path prefix, and the origin when it is another. */
  get forwarded(): { readonly prefix: string; readonly origins: readonly string[] } {
    return this._forwarded;
  }

  /** The framework's module is checked again at the next start (after a stop, or a new interpreter). */
  recheckModule(): void {
    this.moduleChecked = false;
  }

  private get launcherPath(): string {
    return vscode.Uri.joinPath(this.deps.extensionUri, 'python', 'dap_launch.py').fsPath;
  }

  /**
   * Builds the launch for the app server on `port`, behind the front proxy on `frontPort` (whose
   * URL the preview loads): interpreter, module check, .env, external URL; under debugpy when `debugging`.
   */
  async prepare(port: number, frontPort: number, debugging: boolean): Promise<{ prepared: Prepared; commandLine: string }> {
    const file = this.target.file.fsPath;
    const cfg = new Config(this.target.file);
    const { framework } = this.target;
    const info = FRAMEWORKS[framework];
    const text = await fs.promises.readFile(file, 'utf8').catch(() => '');
    if (framework !== 'observable') {
      const choice = await this.deps.interpreters.resolve(this.target.file);
      if (choice.path !== this.python) {
        this.deps.log.info(`Python ${choice.path} (from ${choice.source})`);
        this.python = choice.path;
        this.moduleChecked = false;
      }
    }
    const env = childEnvironment(process.env, await this.variables(cfg), {});
    if (!this.moduleChecked && info.pythonModule && this.python) {
      if (!(await hasModule(this.python, info.pythonModule, env, path.dirname(file)))) {
        throw new ModuleMissingError(info.pythonModule, info.pipPackage ?? info.pythonModule, this.python, info.label);
      }
      this.moduleChecked = true;
    }

    const { external, own, forwardedOrigins } = await this.origins(frontPort);
    const spec = buildLaunch({
      framework,
      filePath: file,
      text,
      python: this.python ?? 'python3',
      host: HOST,
      port,
      workspaceFolder: this.target.folder.uri.fsPath,
      extraOrigins: [...own, ...forwardedOrigins],
      forwardedPath: external.path, // code-server: /proxy/<front port>/
      observableRoot: this.target.observableRoot,
      customCommand: cfg.get('customCommand'),
      urlPath: cfg.get('customUrlPath'),
      launcherPath: this.launcherPath,
    });
    // The app's path goes back onto the forwarded URL (asExternalUri drops it).
    const base = external.toString().replace(/\/?$/, '/');
    this._frameUrl = base + spec.urlPath.replace(/^\//, '');
    this._frameOrigins = [...own, ...forwardedOrigins];
    this._forwarded = { prefix: forwardedPrefix({ forwardedPath: external.path }) ?? '/', origins: forwardedOrigins };
    const cwd = framework === 'observable' ? undefined : await this.appCwd(cfg);
    const inFolder = cwd ? { ...spec, cwd } : spec;
    const run = debugging ? await this.underDebugger(inFolder, env) : inFolder;
    return { prepared: { spec: run, env: { ...env, ...run.env } }, commandLine: [run.command, ...run.args].join(' ') };
  }

  /**
   * The origins the preview's frame loads from with the front proxy on `frontPort` (known as soon
   * as it listens, so the preview's first page has its final CSP).
   */
  async frameOriginsFor(frontPort: number): Promise<readonly string[]> {
    const { own, forwardedOrigins } = await this.origins(frontPort);
    this._frameOrigins = [...own, ...forwardedOrigins];
    return this._frameOrigins;
  }

  /** Pages come from the front proxy's origins, and a forwarded one (code-server's /proxy/<port>/, a tunnel): the framework accepts them. */
  private async origins(frontPort: number): Promise<{ external: vscode.Uri; own: string[]; forwardedOrigins: string[] }> {
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(`http://${HOST}:${frontPort}/`));
    const externalOrigin = `${external.scheme}://${external.authority}`;
    const own = frontOrigins(HOST, frontPort);
    return { external, own, forwardedOrigins: own.includes(externalOrigin) ? [] : [externalOrigin] };
  }

  /** The run under debugpy, on a fresh loopback port; debugpy must be importable (or bundled with the Python Debugger). */
  private async underDebugger(spec: LaunchSpec, env: NodeJS.ProcessEnv): Promise<LaunchSpec> {
    const python = this.python ?? 'python3';
    let debugpyPath: string | undefined;
    if (!(await hasModule(python, 'debugpy', env, path.dirname(this.target.file.fsPath)))) {
      debugpyPath = await this.deps.debugTypes.bundledDebugpy();
      if (!debugpyPath) throw new ModuleMissingError('debugpy', 'debugpy', python, 'debugpy (needed by Debug App)');
    }
    const port = await pickFreePort(HOST);
    return debugLaunch(spec, { launcherPath: this.launcherPath, address: { host: HOST, port }, debugpyPath });
  }

  /**
   * The variables the Python extension gives for the file (its `python.envFile`) when it is
   * installed, as a run from it would have; our `envFile` otherwise, or on top when it is set.
   */
  private async variables(cfg: Config): Promise<Record<string, string>> {
    const fromExt = await this.deps.interpreters.environmentVariables(this.target.file);
    if (!fromExt) return this.readDotenv(cfg);
    const ours = cfg.isSet('envFile') ? await this.readDotenv(cfg) : {};
    return { ...fromExt, ...ours };
  }

  /** The folder the app runs from: the `cwd` setting, or the app's own folder. */
  private async appCwd(cfg: Config): Promise<string | undefined> {
    const setting = cfg.get('cwd').trim();
    if (!setting) return undefined;
    const folder = this.target.folder.uri.fsPath;
    const dir = setting.replace(/\$\{workspaceFolder\}/g, folder).replace(/\$\{fileDirname\}/g, path.dirname(this.target.file.fsPath));
    const abs = path.isAbsolute(dir) ? dir : path.join(folder, dir);
    const st = await fs.promises.stat(abs).catch(() => undefined);
    if (!st?.isDirectory())
      throw new Error(`"dataAppPreview.cwd" is "${setting}", but ${abs} is not a folder. Set it to a folder of the workspace, or clear it to run the app from its own folder.`);
    return abs;
  }

  private async readDotenv(cfg: Config): Promise<Record<string, string>> {
    const setting = cfg.get('envFile').trim();
    if (!setting) return {};
    const folder = this.target.folder.uri.fsPath;
    const envPath = setting.replace(/\$\{workspaceFolder\}/g, folder);
    const abs = path.isAbsolute(envPath) ? envPath : path.join(folder, envPath);
    const result = await readEnvFile(abs, process.env);
    if (result?.badLines.length) this.deps.log.warn(`${abs}: could not read ${describeLines(result.badLines)} (python-dotenv skips them too)`);
    return result?.values ?? {};
  }
}
