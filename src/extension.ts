import * as vscode from 'vscode';
import { DataAppPreview } from './root';

let root: DataAppPreview | undefined;

/**
 * Builds the root object. Other extensions get nothing from us: the root reaches the stored
 * keys and SAS and can mint storage tokens. Only our own tests (ExtensionMode.Test) get it.
 */
export function activate(context: vscode.ExtensionContext): DataAppPreview | undefined {
  root = new DataAppPreview(context);
  context.subscriptions.push(root);
  return context.extensionMode === vscode.ExtensionMode.Test ? root : undefined;
}

/** Awaited by VS Code: every app server is stopped before the host goes. */
export async function deactivate(): Promise<void> {
  const r = root;
  root = undefined;
  await r?.shutdown();
}
