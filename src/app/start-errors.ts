// What the user is told when an app cannot start, or is slow to: each kind of failure with the
// actions that fix it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CommandSyntaxError } from '../core/placeholders';
import { PortInUseError } from '../core/ports';
import { LaunchError } from '../core/process';
import { ModuleMissingError, NoInterpreterError } from '../core/python';
import { AppStartError } from '../core/supervisor';
import { selectInterpreter } from './setup';

export interface ErrorContext {
  /** The app file (its folder is where an install runs). */
  readonly file: string;
  showOutput(): void;
  stop(): Promise<void>;
  /** Installs the missing module the way that works for the app's interpreter, then starts the app. */
  install(): Promise<void>;
}

/** The start failed: the message, with the actions that fit its kind. */
export async function showStartError(error: Error, ctx: ErrorContext, exception?: string): Promise<void> {
  const actions: string[] = [];
  if (error instanceof ModuleMissingError) actions.push('Install in Terminal', 'Select Interpreter');
  if (error instanceof NoInterpreterError) actions.push('Select Interpreter', 'Open Settings');
  if (error instanceof PortInUseError || error instanceof CommandSyntaxError) actions.push('Open Settings');
  if (error instanceof AppStartError || error instanceof LaunchError) actions.push('Show Output');
  // The app's own error first ("NameError: name 'x' is not defined"), then how the start ended.
  const pick = await vscode.window.showErrorMessage(exception ? `${path.basename(ctx.file)}: ${exception}. ${error.message}` : error.message, ...actions);
  switch (pick) {
    case 'Install in Terminal':
      await ctx.install();
      break;
    case 'Select Interpreter':
      await selectInterpreter();
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
