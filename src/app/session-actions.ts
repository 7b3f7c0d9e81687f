// What each button of the preview (toolbar and overlays) does to its app's session.
import * as vscode from 'vscode';
import type { WebviewAction } from '../preview/protocol';
import { createEnvironment, selectInterpreter } from './setup';

/** The session, as the preview's buttons drive it. */
export interface ActedSession {
  readonly file: vscode.Uri;
  readonly debugger: { readonly enabled: boolean };
  restart(reason: string): Promise<unknown>;
  stop(): Promise<void>;
  start(): Promise<unknown>;
  openExternal(): Promise<void>;
  showOutput(): void;
  readonly preview: { reloadFrame(): void } | undefined;
  setDebugging(on: boolean): Promise<unknown>;
  readonly failures: { install(): Promise<void>; copyInstall(): Promise<void> };
}

export async function actOn(session: ActedSession, action: WebviewAction): Promise<void> {
  const actions: Record<WebviewAction, () => unknown> = {
    restart: () => session.restart('restart from the preview'),
    stop: () => session.stop(),
    start: () => session.start(),
    openExternal: () => session.openExternal(),
    showOutput: () => session.showOutput(),
    reload: () => session.preview?.reloadFrame(),
    debug: () => session.setDebugging(!session.debugger.enabled),
    install: () => session.failures.install(),
    copyInstall: () => session.failures.copyInstall(),
    selectInterpreter: () => selectInterpreter(),
    createEnvironment: () => createEnvironment(),
    chooseFramework: () => vscode.commands.executeCommand('dataAppPreview.chooseFramework', session.file),
  };
  await actions[action]();
}
