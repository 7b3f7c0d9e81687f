// A missing module as a setup step: the install that works for the app's interpreter (run as a
// task, so its end is known and the app can start), Select Interpreter and Create Environment.
import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { installPlan, interpreterKind, type InterpreterKind } from '../core/python';
import { PYTHON_EXTENSION_ID } from './interpreter';

export interface SetupInfo {
  /** The command line that installs the package (shown, copied); none for an externally managed interpreter. */
  readonly install?: string | undefined;
  readonly args?: readonly string[] | undefined;
  /** Why there is no install command, and what to do instead. */
  readonly advice?: string | undefined;
  readonly canCreateEnvironment: boolean;
}

export class Setup {
  private readonly kinds = new Map<string, Promise<InterpreterKind>>();

  constructor(private readonly log: Logger) {}

  /** How `pkg` installs for `python`. */
  async plan(python: string, pkg: string): Promise<SetupInfo> {
    const canCreateEnvironment = !!vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
    let kind: InterpreterKind;
    try {
      let k = this.kinds.get(python);
      if (!k) this.kinds.set(python, (k = interpreterKind(python)));
      kind = await k;
    } catch (e) {
      this.kinds.delete(python);
      this.log.warn((e as Error).message);
      kind = { isEnvironment: false, externallyManaged: false };
    }
    const plan = installPlan(python, pkg, kind);
    if ('refused' in plan) return { advice: plan.refused, canCreateEnvironment };
    return { install: plan.command, args: plan.args, canCreateEnvironment };
  }

  /**
   * Runs the install in a terminal (the interpreter itself is the process: no shell reads the
   * path or the package name). Resolves with its exit code once it ends.
   */
  async install(python: string, args: readonly string[], cwd: string, pkg: string): Promise<number | undefined> {
    const task = new vscode.Task(
      { type: 'dataAppPreview.install', package: pkg },
      vscode.TaskScope.Workspace,
      `Install ${pkg}`,
      'Data App Preview',
      new vscode.ProcessExecution(python, [...args], { cwd }),
    );
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true, close: false };
    const ended = new Promise<number | undefined>((resolve) => {
      const sub = vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.name !== task.name || e.execution.task.source !== task.source) return;
        sub.dispose();
        resolve(e.exitCode);
      });
    });
    this.log.info(`install: ${python} ${args.join(' ')} (in ${cwd})`);
    await vscode.tasks.executeTask(task);
    return ended;
  }
}

/** The Python extension's interpreter picker, or our setting without it. */
export async function selectInterpreter(): Promise<void> {
  if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) await vscode.commands.executeCommand('python.setInterpreter');
  else await vscode.commands.executeCommand('workbench.action.openSettings', 'dataAppPreview.pythonPath');
}

/** The Python extension's Create Environment (it selects the new environment when done). */
export async function createEnvironment(): Promise<void> {
  if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) await vscode.commands.executeCommand('python.createEnvironment');
  else
    void vscode.window.showInformationMessage(
      'Create Environment needs the Python extension. Without it: run "python3 -m venv .venv" in the folder, then set "dataAppPreview.pythonPath" to .venv/bin/python.',
    );
}
