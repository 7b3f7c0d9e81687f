// What the user is told when an app cannot start, or is slow to: each kind of failure with the
// actions that fix it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CommandSyntaxError } from '../core/placeholders';
import { PortInUseError } from '../core/ports';
import { LaunchError } from '../core/process';
import { ModuleMissingError, NoInterpreterError } from '../core/python';
import { AppStartError } from '../core/supervisor';

export interface ErrorContext {
  /** The app file (its folder is where an install runs). */
  readonly file: string;
  showOutput(): void;
  stop(): Promise<void>;
}

/** The start failed: the message, with the actions that fit its kind. */
export async function showStartError(error: Error, ctx: ErrorContext): Promise<void> {
  const actions: string[] = [];
  if (error instanceof ModuleMissingError) actions.push('Install in Terminal', 'Copy Command');
  if (error instanceof NoInterpreterError) actions.push('Select Interpreter', 'Open Settings');
  if (error instanceof PortInUseError || error instanceof CommandSyntaxError) actions.push('Open Settings');
  if (error instanceof AppStartError || error instanceof LaunchError) actions.push('Show Output');
  const pick = await vscode.window.showErrorMessage(error.message, ...actions);
  switch (pick) {
    case 'Install in Terminal': {
      // The interpreter itself is the terminal's process: no shell reads the path or the package name.
      const missing = error as ModuleMissingError;
      const t = vscode.window.createTerminal({
        name: `Install ${missing.pipPackage}`,
        cwd: path.dirname(ctx.file),
        shellPath: missing.python,
        shellArgs: [...missing.installArgs],
      });
      t.show();
      break;
    }
    case 'Copy Command':
      await vscode.env.clipboard.writeText((error as ModuleMissingError).installCommand);
      break;
    case 'Select Interpreter':
      if (vscode.extensions.getExtension('ms-python.python')) await vscode.commands.executeCommand('python.setInterpreter');
      else await vscode.commands.executeCommand('workbench.action.openSettings', 'dataAppPreview.pythonPath');
      break;
    case 'Open Settings':
      await vscode.commands.executeCommand('workbench.action.openSettings', 'dataAppPreview');
      break;
    case 'Show Output':
      ctx.showOutput();
      break;
  }
}

/** The start has not answered within the timeout: keep waiting, look, or stop. */
export async function askAboutSlowStart(seconds: number, ctx: ErrorContext): Promise<void> {
  const pick = await vscode.window.showWarningMessage(
    `${path.basename(ctx.file)} has not answered HTTP after ${seconds} s. It may still be loading.`,
    'Keep Waiting',
    'Show Output',
    'Stop',
  );
  if (pick === 'Show Output') ctx.showOutput();
  else if (pick === 'Stop') await ctx.stop();
}
