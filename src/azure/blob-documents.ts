// Blobs opened read-only as text documents (a content provider on our own URI scheme). Where
// each document's text comes from is held only while the document is open: the account it
// names holds credentials.
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';

export const BLOB_SCHEME = 'dataapp-blob';

export interface BlobSource {
  /** Reads the blob's text (bounded by the caller). */
  read(): Promise<string>;
}

export class BlobDocuments extends Disposable {
  /** Open blob documents: uri → where the text comes from. */
  private readonly open = new Map<string, BlobSource>();

  constructor() {
    super();
    this._register(
      vscode.workspace.registerTextDocumentContentProvider(BLOB_SCHEME, {
        provideTextDocumentContent: (uri) => {
          const source = this.open.get(uri.toString());
          return source ? source.read() : 'This blob view is from an earlier session; open the blob again from the Azure Storage view.';
        },
      }),
    );
    // Released when its last tab closes (VS Code may keep the document itself open for minutes).
    this._register(
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        const shown = new Set(
          vscode.window.tabGroups.all
            .flatMap((g) => g.tabs)
            .map(tabUri)
            .filter(Boolean),
        );
        for (const uri of e.closed.map(tabUri)) if (uri && !shown.has(uri)) this.open.delete(uri);
      }),
    );
    this._register(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === BLOB_SCHEME) this.open.delete(doc.uri.toString());
      }),
    );
  }

  /** How many blob documents are open (held). */
  get size(): number {
    return this.open.size;
  }

  /** Opens `path` (`/account/container/blob`) read-only in an editor. */
  async show(path: string, source: BlobSource): Promise<void> {
    const uri = vscode.Uri.from({ scheme: BLOB_SCHEME, path });
    this.open.set(uri.toString(), source);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  override dispose(): void {
    this.open.clear();
    super.dispose();
  }
}

/** The blob document a tab shows, if it shows one. */
function tabUri(tab: vscode.Tab): string | undefined {
  return tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === BLOB_SCHEME ? tab.input.uri.toString() : undefined;
}
