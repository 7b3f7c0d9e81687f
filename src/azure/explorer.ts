// The Azure Storage view's actions on accounts, containers, folders and blobs. Long work runs
// under one cancellable progress notification; a failure becomes a message with its fix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Account } from './accounts';
import type { BlobDocuments } from './blob-documents';
import { deletePrefix, downloadBlob, formatSize, readText, uploadFile, uploadFolder } from './blobs';
import { checkContainerName } from './connection';
import type { StorageOperation } from './errors';
import type { StorageNode, StorageTree } from './tree';

type Located = Extract<StorageNode, { kind: 'container' | 'folder' | 'blob' }>;
type Progress = vscode.Progress<{ message?: string; increment?: number }>;

export interface ExplorerDeps {
  readonly tree: StorageTree;
  readonly documents: BlobDocuments;
  readonly log: vscode.LogOutputChannel;
  /** The fixes a failure can offer. */
  startEmulator(): Promise<unknown>;
  signIn(): Promise<unknown>;
}

/** Runs `work` under a cancellable progress notification; Cancel aborts its signal. */
function withCancellableProgress<T>(title: string, work: (progress: Progress, signal: AbortSignal) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress<T>({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    return work(progress, ac.signal).finally(() => {
      sub.dispose();
    });
  });
}

/** Reports byte counts as increments of a total. */
function byteReporter(progress: Progress, total: number): (bytes: number, message: string) => void {
  let last = 0;
  return (bytes, message) => {
    progress.report({ increment: (100 * (bytes - last)) / Math.max(total, 1), message });
    last = bytes;
  };
}

export class ExplorerCommands {
  constructor(private readonly deps: ExplorerDeps) {}

  private container(account: Account, name: string) {
    return this.deps.tree.client(account).getContainerClient(name);
  }

  /** Runs a storage action; a failure becomes a message with the fix, never a stack. */
  private async guarded<T>(account: Account, op: StorageOperation, fn: () => PromiseLike<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      const p = this.deps.tree.problemFor(account, e, op);
      if (p.kind === 'aborted') return undefined;
      this.deps.log.warn(p.message);
      const action = p.kind === 'emulator-down' ? 'Start Azurite' : p.kind === 'signin-expired' ? 'Sign In' : undefined;
      const pick = await vscode.window.showErrorMessage(p.message, ...(action ? [action] : []));
      if (pick === 'Start Azurite') await this.deps.startEmulator();
      else if (pick === 'Sign In') await this.deps.signIn();
      return undefined;
    }
  }

  refresh(node?: StorageNode): void {
    this.deps.tree.refresh(node);
  }

  async loadMore(node: StorageNode): Promise<void> {
    const parent = node.kind === 'more' ? node.parent : undefined;
    const account = parent && 'account' in parent ? parent.account : undefined;
    if (account) await this.guarded(account, 'list', () => this.deps.tree.loadMore(node));
  }

  async copyUrl(node?: StorageNode): Promise<void> {
    if (!node || !('account' in node)) return;
    const base = node.account.target.blobEndpoint;
    const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');
    const url =
      node.kind === 'account'
        ? base
        : node.kind === 'container'
          ? `${base}/${node.container}`
          : node.kind === 'folder'
            ? `${base}/${node.container}/${enc(node.prefix)}`
            : `${base}/${node.container}/${enc(node.blob.name)}`;
    await vscode.env.clipboard.writeText(url); // never with a SAS
    vscode.window.setStatusBarMessage(`Copied ${url}`, 3000);
  }

  async download(node?: StorageNode): Promise<void> {
    if (node?.kind !== 'blob') return;
    const name = node.blob.name.split('/').pop() ?? 'blob';
    const dest = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd()), name),
      title: `Download ${node.blob.name}`,
    });
    if (!dest) return;
    await this.guarded(node.account, 'read', () =>
      withCancellableProgress(`Downloading ${name}`, async (progress, signal) => {
        const report = byteReporter(progress, node.blob.size);
        await downloadBlob(
          this.container(node.account, node.container),
          node.blob.name,
          dest.fsPath,
          (b) => report(b, `${formatSize(b)} of ${formatSize(node.blob.size)}`),
          signal,
        );
        vscode.window.setStatusBarMessage(`Downloaded ${name}`, 3000);
      }),
    );
  }

  private prefixOf(node: Located): string {
    return node.kind === 'folder' ? node.prefix : node.kind === 'blob' ? node.blob.name.slice(0, node.blob.name.lastIndexOf('/') + 1) : '';
  }

  async uploadFiles(node?: StorageNode): Promise<void> {
    if (!node || (node.kind !== 'container' && node.kind !== 'folder')) return;
    const files = await vscode.window.showOpenDialog({
      canSelectMany: true,
      canSelectFiles: true,
      canSelectFolders: false,
      title: `Upload to ${node.container}/${this.prefixOf(node)}`,
    });
    if (!files?.length) return;
    const c = this.container(node.account, node.container);
    const prefix = this.prefixOf(node);
    const existing: string[] = [];
    for (const f of files)
      if (
        await c
          .getBlobClient(prefix + path.basename(f.fsPath))
          .exists()
          .catch(() => false)
      )
        existing.push(path.basename(f.fsPath));
    if (existing.length) {
      const ok = await vscode.window.showWarningMessage(
        `Replace ${existing.length === 1 ? existing[0] : `${existing.length} blobs`} in ${node.container}/${prefix}?`,
        { modal: true },
        'Replace',
      );
      if (ok !== 'Replace') return;
    }
    const sizes = files.map((f) => fs.statSync(f.fsPath).size); // read once: the total and each file's share
    const total = sizes.reduce((n, s) => n + s, 0);
    await this.guarded(node.account, 'write', () =>
      withCancellableProgress(`Uploading to ${node.container}/${prefix}`, async (progress, signal) => {
        let before = 0;
        const report = byteReporter(progress, total);
        for (const [i, f] of files.entries()) {
          await uploadFile(c, f.fsPath, prefix + path.basename(f.fsPath), (b) => report(before + b, path.basename(f.fsPath)), signal);
          before += sizes[i]!;
        }
        vscode.window.setStatusBarMessage(`Uploaded ${files.length} file(s)`, 3000);
      }),
    );
    this.deps.tree.refresh(node);
  }

  async uploadFolder(node?: StorageNode): Promise<void> {
    if (!node || (node.kind !== 'container' && node.kind !== 'folder')) return;
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      canSelectFiles: false,
      canSelectFolders: true,
      title: `Upload a folder to ${node.container}/${this.prefixOf(node)}`,
    });
    const dir = picked?.[0]?.fsPath;
    if (!dir) return;
    const c = this.container(node.account, node.container);
    const prefix = `${this.prefixOf(node)}${path.basename(dir)}/`;
    const result = await this.guarded(node.account, 'write', () =>
      withCancellableProgress(`Uploading ${path.basename(dir)}`, (progress, signal) => {
        let report: ReturnType<typeof byteReporter> | undefined;
        return uploadFolder(
          c,
          dir,
          prefix,
          (p) => {
            report ??= byteReporter(progress, p.totalBytes);
            report(p.bytes, `${p.file ?? ''} (${formatSize(p.bytes)} of ${formatSize(p.totalBytes)})`);
          },
          signal,
        );
      }),
    );
    this.deps.tree.refresh(node);
    if (result?.failed.length) {
      const first = result.failed[0]!;
      const p = this.deps.tree.problemFor(node.account, first.error, 'write');
      void vscode.window.showErrorMessage(
        `${result.failed.length} of ${result.failed.length + result.uploaded.length} files were not uploaded (none is left half-written): ${first.name}: ${p.message}`,
      );
    } else if (result) {
      vscode.window.setStatusBarMessage(`Uploaded ${result.uploaded.length} file(s)`, 3000);
    }
  }

  async delete(node?: StorageNode): Promise<void> {
    if (!node || (node.kind !== 'container' && node.kind !== 'folder' && node.kind !== 'blob')) return;
    const what =
      node.kind === 'container' ? `the container "${node.container}" and every blob in it` : node.kind === 'folder' ? `every blob under "${node.prefix}"` : `"${node.blob.name}"`;
    const ok = await vscode.window.showWarningMessage(`Delete ${what} from ${node.account.label}? This cannot be undone.`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return;
    const c = this.container(node.account, node.container);
    await this.guarded(node.account, 'delete', async () => {
      if (node.kind === 'container') await c.delete();
      else if (node.kind === 'folder') await deletePrefix(c, node.prefix);
      else await c.deleteBlob(node.blob.name, { deleteSnapshots: 'include' });
    });
    this.deps.tree.refresh();
  }

  async createContainer(node?: StorageNode): Promise<void> {
    if (node?.kind !== 'account') return;
    const name = await vscode.window.showInputBox({
      title: `New container in ${node.account.label}`,
      prompt: 'Container name',
      validateInput: (v) => (v ? checkContainerName(v) : undefined),
    });
    if (!name) return;
    await this.guarded(node.account, 'create', () => this.container(node.account, name).create());
    this.deps.tree.refresh(node);
  }

  async openBlob(node?: StorageNode): Promise<void> {
    if (node?.kind !== 'blob') return;
    const { account, container, blob } = node;
    await this.guarded(account, 'read', () =>
      this.deps.documents.show(`/${account.target.accountName}/${container}/${blob.name}`, { read: () => readText(this.container(account, container), blob.name) }),
    );
  }
}
