import type * as vscode from 'vscode';
import { DataAppPreview } from './root';

let root: DataAppPreview | undefined;

export function activate(context: vscode.ExtensionContext): DataAppPreview {
  root = new DataAppPreview(context);
  context.subscriptions.push(root);
  return root;
}

/** Awaited by VS Code: every app server is stopped before the host goes. */
export async function deactivate(): Promise<void> {
  const r = root;
  root = undefined;
  await r?.shutdown();
}
