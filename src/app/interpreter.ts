// The Python interpreter for a file: the Python extension's choice when it is installed,
// otherwise our setting, then python3/python on PATH.
import * as vscode from 'vscode';
import type { PythonExtension } from '@vscode/python-extension';
import { Config } from '../config/config';
import type { Logger } from '../core/log';
import { chooseInterpreter, type InterpreterChoice } from '../core/python';

export const PYTHON_EXTENSION_ID = 'ms-python.python';

export class InterpreterResolver implements vscode.Disposable {
  /** The Python extension's API, asked for once (concurrent first lookups share it and subscribe once). */
  private api: Promise<PythonExtension> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  private subscription: vscode.Disposable | undefined;
  /** Fires when the Python extension's selected interpreter changes. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: Logger) {}

  async resolve(file: vscode.Uri): Promise<InterpreterChoice> {
    const fromExt = await this.fromPythonExtension(file);
    return chooseInterpreter({
      fromPythonExtension: fromExt,
      setting: new Config(file).get('pythonPath'),
      pathEnv: process.env.PATH,
    });
  }

  private async fromPythonExtension(file: vscode.Uri): Promise<string | undefined> {
    if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
    try {
      const api = await this.apiOnce();
      const envPath = api.environments.getActiveEnvironmentPath(file);
      const env = await api.environments.resolveEnvironment(envPath);
      return env?.executable.uri?.fsPath;
    } catch (e) {
      this.log.warn(`The Python extension did not give an interpreter: ${(e as Error).message}`);
      return undefined;
    }
  }

  /**
   * The environment variables the Python extension gives for `file` (the process's, with its
   * `python.envFile` applied), or undefined without the Python extension.
   */
  async environmentVariables(file: vscode.Uri): Promise<Record<string, string> | undefined> {
    if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
    try {
      const vars = (await this.apiOnce()).environments.getEnvironmentVariables(file);
      return Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch (e) {
      this.log.warn(`The Python extension did not give environment variables: ${(e as Error).message}`);
      return undefined;
    }
  }

  private apiOnce(): Promise<PythonExtension> {
    this.api ??= this.connect().catch((e: unknown) => {
      this.api = undefined; // asked again next time
      throw e;
    });
    return this.api;
  }

  private async connect(): Promise<PythonExtension> {
    const { PythonExtension } = await import('@vscode/python-extension');
    const api = await PythonExtension.api();
    this.subscription = api.environments.onDidChangeActiveEnvironmentPath(() => this.changed.fire());
    return api;
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changed.dispose();
  }
}
