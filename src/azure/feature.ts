// Azure in the editor: owns the sign-ins, the shared blob client hub, the token broker, the
// run hook that hands the chosen account to apps, the Azure Storage view, read-only blob
// documents and the local emulator. Every command handler of the view lives here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Config } from '../config/config';
import type { ProcessTracker } from '../core/reaper';
import type { RunHook } from '../core/supervisor';
import { Disposable, toDisposable } from '../util/dispose';
import { AzureAccounts, type Account } from './accounts';
import { AzuriteServer, findAzurite, probeAzurite } from './azurite';
import { deletePrefix, downloadBlob, readText, uploadFile, uploadFolder, formatSize } from './blobs';
import { TokenBroker } from './broker';
import { checkContainerName, ConnectionInputError, parseConnectionString } from './connection';
import type { StorageOperation } from './errors';
import { BlobHub } from './hub';
import { AzurePreviewHook, type PreviewAccount } from './preview-hook';
import { StorageTree, type PreviewChoice, type StorageNode } from './tree';

const CHOICE_KEY = 'dataAppPreview.azure.previewChoice';
export const BLOB_SCHEME = 'dataapp-blob';

type Located = Extract<StorageNode, { kind: 'container' | 'folder' | 'blob' }>;

export class AzureFeature extends Disposable {
  readonly accounts: AzureAccounts;
  readonly hub = new BlobHub();
  readonly tree: StorageTree;
  readonly hook: AzurePreviewHook;
  private broker: Promise<TokenBroker> | undefined;
  private azurite: AzuriteServer | undefined;
  /** Blob documents opened read-only: uri → where the text comes from. */
  private readonly openBlobs = new Map<string, { account: Account; container: string; blob: string }>();

  /** The chosen account that was missing when the user was last told (told once until it comes back). */
  private warnedMissing: string | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly tracker: ProcessTracker,
    private readonly onPreviewAccountChanged: (why: string) => Promise<void>,
  ) {
    super();
    this.accounts = this._register(new AzureAccounts(context));
    this._register(toDisposable(() => this.hub.dispose()));
    this.tree = this._register(new StorageTree(this.accounts, this.hub, () => this.choice()));
    this._register(vscode.window.createTreeView('dataAppPreview.storage', { treeDataProvider: this.tree, showCollapseAll: true }));
    this.hook = new AzurePreviewHook({
      current: () => this.previewAccount(),
      hub: this.hub,
      broker: () => (this.broker ??= TokenBroker.start(log).catch((e: unknown) => {
        this.broker = undefined; // a failed start is tried again next time, not cached
        throw e;
      })),
      log,
    });
    this._register(
      vscode.workspace.registerTextDocumentContentProvider(BLOB_SCHEME, {
        provideTextDocumentContent: async (uri) => {
          const where = this.openBlobs.get(uri.toString());
          if (!where) return 'This blob view is from an earlier session; open the blob again from the Azure Storage view.';
          return readText(this.container(where.account, where.container), where.blob);
        },
      }),
    );
    this._register(toDisposable(() => void this.shutdown()));
    void this.accounts.restore().then(() => this.tree.refresh());
  }

  /** The run hook, for the app sessions. */
  get runHooks(): RunHook[] {
    return [this.hook];
  }

  /** Closes open runs, the token endpoint and the Azurite this window started. Idempotent. */
  /** Closes the open runs, the token endpoint and Azurite: each one even when another fails. */
  async shutdown(): Promise<void> {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['close the open runs', () => this.hook.dispose()],
      ['close the token endpoint', async () => {
        const starting = this.broker;
        this.broker = undefined;
        await (await starting?.catch(() => undefined))?.close();
      }],
      ['stop Azurite', () => this.stopAzurite()],
    ];
    for (const [what, step] of steps) {
      await step().catch((e: unknown) => this.log.warn(`Shutdown: could not ${what}: ${(e as Error).message}`));
    }
  }

  // ---- the account chosen for preview ----

  private choice(): PreviewChoice | undefined {
    return this.context.workspaceState.get<PreviewChoice>(CHOICE_KEY);
  }

  private async findAccount(id: string): Promise<Account | undefined> {
    const local = (await this.accounts.localAccounts()).find((a) => a.id === id);
    if (local) return local;
    const [kind, endpoint] = id.split('|');
    const credential = kind === 'microsoft' || kind === 'cli' || kind === 'environment' ? this.accounts.credentialFor(kind) : undefined;
    const stored = this.context.workspaceState.get<{ accountName: string; identity: string }>(`${CHOICE_KEY}.target`);
    if (!credential || !endpoint || !stored) return undefined;
    return {
      id,
      label: stored.accountName,
      description: '',
      target: { accountName: stored.accountName, blobEndpoint: endpoint, auth: { kind: 'token', identity: stored.identity } },
      credential,
      emulator: false,
      source: kind as 'microsoft',
    };
  }

  private async previewAccount(): Promise<PreviewAccount | undefined> {
    const c = this.choice();
    if (!c) return undefined;
    const account = await this.findAccount(c.accountId);
    if (!account) {
      this.log.warn(`The account chosen for preview (${c.accountId.split('|').pop()}) is not signed in now; the app starts without Azure credentials.`);
      // Said once, not at every save: the log keeps saying it.
      if (this.warnedMissing === c.accountId) return undefined;
      this.warnedMissing = c.accountId;
      void vscode.window.showWarningMessage(`The storage account chosen for preview is not available (signed out?). Sign in again in the Azure Storage view.`, 'Sign In').then((p) => {
        if (p) void vscode.commands.executeCommand('dataAppPreview.azure.signIn');
      });
      return undefined;
    }
    this.warnedMissing = undefined;
    return { selection: { target: account.target, container: c.container }, credential: account.credential, userDelegationSas: new Config().get('azure.userDelegationSas') };
  }

  async useForPreview(node?: StorageNode): Promise<void> {
    let target = node?.kind === 'container' ? node : undefined;
    if (!target) target = await this.pickContainer();
    if (!target) return;
    await this.context.workspaceState.update(CHOICE_KEY, { accountId: target.account.id, container: target.container } satisfies PreviewChoice);
    if (target.account.target.auth.kind === 'token') {
      await this.context.workspaceState.update(`${CHOICE_KEY}.target`, { accountName: target.account.target.accountName, identity: target.account.target.auth.identity });
    }
    this.log.info(`Apps now get credentials for ${target.account.target.accountName}/${target.container}`);
    this.tree.refresh();
    await this.onPreviewAccountChanged(`Previewed apps now get credentials for ${target.account.label}/${target.container}.`);
  }

  async stopUsingForPreview(): Promise<void> {
    await this.context.workspaceState.update(CHOICE_KEY, undefined);
    this.tree.refresh();
    await this.onPreviewAccountChanged('Previewed apps no longer get Azure credentials.');
  }

  /** A quick pick over every account's containers (for the palette). */
  private async pickContainer(): Promise<Extract<StorageNode, { kind: 'container' }> | undefined> {
    const roots = (await this.tree.getChildren()).filter((n): n is Extract<StorageNode, { kind: 'account' }> => n.kind === 'account');
    if (!roots.length) {
      void vscode.window.showInformationMessage('Sign in to Azure or attach a storage account first (Azure Storage view).', 'Sign In').then((p) => {
        if (p) void vscode.commands.executeCommand('dataAppPreview.azure.signIn');
      });
      return undefined;
    }
    const items: Array<vscode.QuickPickItem & { node: Extract<StorageNode, { kind: 'container' }> }> = [];
    for (const r of roots) {
      for (const c of await this.tree.getChildren(r)) {
        if (c.kind === 'container') items.push({ label: `${r.account.label}/${c.container}`, description: r.account.description, node: c });
      }
    }
    const pick = await vscode.window.showQuickPick(items, { title: 'Container whose account previewed apps get credentials for', placeHolder: 'account/container' });
    return pick?.node;
  }

  // ---- sign-in ----

  async signIn(): Promise<void> {
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(account) Microsoft account', detail: "VS Code's Microsoft sign-in; accounts are listed from your subscriptions", id: 'microsoft' },
        { label: '$(terminal) Azure CLI', detail: 'The account of `az login` (dev containers, headless machines)', id: 'cli' },
        { label: '$(symbol-variable) Environment', detail: 'DefaultAzureCredential: environment variables, workload or managed identity', id: 'environment' },
        { label: '$(key) Connection string or SAS URL', detail: 'Kept in the secret storage, never in settings', id: 'attach' },
        { label: '$(server-environment) Local emulator (Azurite)', detail: 'The devstoreaccount1 development account', id: 'emulator' },
      ],
      { title: 'Sign in to Azure Storage' },
    );
    if (!pick) return;
    if (pick.id === 'microsoft') return this.signInMicrosoft();
    if (pick.id === 'cli' || pick.id === 'environment') return this.signInWith(pick.id);
    if (pick.id === 'attach') return this.attachConnection();
    return this.useEmulator();
  }

  async signInMicrosoft(): Promise<void> {
    const switching = this.accounts.signIns().some((s) => s.kind === 'microsoft');
    await this.accounts.signInMicrosoft(switching && !this.accounts.expired.has('microsoft'));
  }

  async signInWith(kind: 'cli' | 'environment'): Promise<void> {
    const what = kind === 'cli' ? 'Azure CLI' : 'environment credentials';
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Signing in with ${what}…` }, async () => {
      try {
        await this.accounts.signInWith(kind);
      } catch (e) {
        const hint = kind === 'cli' ? 'Run "az login" in a terminal, then try again.' : 'Set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET (or run on a managed identity), then try again.';
        void vscode.window.showErrorMessage(`Could not sign in with ${what}: ${(e as Error).message.split('\n')[0]} ${hint}`);
      }
    });
  }

  async attachConnection(): Promise<void> {
    const input = await vscode.window.showInputBox({
      title: 'Attach a storage account',
      prompt: 'Paste a connection string or a SAS URL (account or container). It is kept in the secret storage, never in settings.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => {
        if (!v.trim()) return undefined;
        try {
          this.parsePreview(v);
          return undefined;
        } catch (e) {
          return e instanceof ConnectionInputError ? e.message : 'This is not a valid connection string or SAS URL.'; // never echo the input
        }
      },
    });
    if (!input?.trim()) return;
    const target = await this.accounts.attach(input);
    this.log.info(`Attached ${target.accountName}${target.container ? `/${target.container}` : ''} (${target.auth.kind === 'sas' ? 'SAS' : 'connection string'})`);
  }

  private parsePreview(v: string): void {
    parseConnectionString(v, new Config().get('azure.emulatorPort'));
  }

  async useEmulator(): Promise<void> {
    const port = new Config().get('azure.emulatorPort');
    if (!(await probeAzurite(port))) {
      const pick = await vscode.window.showWarningMessage(`Azurite is not running on port ${port}.`, 'Start Azurite', 'Attach Anyway');
      if (pick === 'Start Azurite') {
        if (!(await this.startAzurite())) return;
      } else if (pick !== 'Attach Anyway') return;
    }
    await this.accounts.attachEmulator();
  }

  async signOut(): Promise<void> {
    const items = this.accounts.removable();
    if (!items.length) {
      void vscode.window.showInformationMessage('Nothing to sign out of.');
      return;
    }
    const picks = await vscode.window.showQuickPick(
      items.map((i) => ({ label: i.label, description: i.description, item: i })),
      { title: 'Sign out or detach', canPickMany: true },
    );
    if (!picks?.length) return;
    for (const p of picks) await p.item.remove();
    this.hub.dispose();
    this.accounts.fire();
    const c = this.choice();
    if (c && !(await this.findAccount(c.accountId))) await this.stopUsingForPreview();
  }

  // ---- the emulator ----

  /** Starts Azurite for this workspace unless it already answers; resolves true when it runs. */
  async startAzurite(): Promise<boolean> {
    const port = new Config().get('azure.emulatorPort');
    const version = await probeAzurite(port);
    if (version) {
      void vscode.window.showInformationMessage(`Azurite ${version} is already running on port ${port}.`);
      return true;
    }
    let mainJs: string;
    try {
      mainJs = findAzurite({ setting: new Config().get('azure.azuritePath') || undefined, workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) });
    } catch (e) {
      const pick = await vscode.window.showErrorMessage((e as Error).message, 'Install Globally in a Terminal', 'Set Path');
      if (pick === 'Install Globally in a Terminal') {
        const t = vscode.window.createTerminal('Install Azurite');
        t.show();
        t.sendText('npm install -g azurite');
      } else if (pick === 'Set Path') {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'dataAppPreview.azure.azuritePath');
      }
      return false;
    }
    const storage = this.context.storageUri ?? this.context.globalStorageUri;
    const location = path.join(storage.fsPath, 'azurite');
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting Azurite on port ${port}…` }, async () => {
      try {
        const server = await AzuriteServer.start({ mainJs, port, location, log: this.log });
        this.azurite = server;
        this.tracker.track(server.process.pid);
        void server.exited.then(() => {
          this.tracker.untrack(server.process.pid);
          if (this.azurite === server) this.azurite = undefined;
        });
        this.log.info(`Azurite data: ${location}`);
        return true;
      } catch (e) {
        this.log.error(`Azurite did not start: ${(e as Error).message}\n${(e as { output?: string }).output ?? ''}`);
        void vscode.window.showErrorMessage(`Azurite did not start: ${(e as Error).message}`, 'Show Log').then((p) => p && this.log.show());
        return false;
      }
    });
  }

  async stopAzurite(): Promise<void> {
    const server = this.azurite;
    this.azurite = undefined;
    if (server) {
      await server.stop();
      this.tracker.untrack(server.process.pid);
    }
  }

  // ---- explorer actions ----

  private container(account: Account, name: string) {
    return this.tree.client(account).getContainerClient(name);
  }

  /** Runs a storage action; a failure becomes a message with the fix, never a stack. */
  private async guarded<T>(account: Account, op: StorageOperation, fn: () => PromiseLike<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      const p = this.tree.problemFor(account, e, op);
      if (p.kind === 'aborted') return undefined;
      this.log.warn(p.message);
      const action = p.kind === 'emulator-down' ? 'Start Azurite' : p.kind === 'signin-expired' ? 'Sign In' : undefined;
      const pick = await vscode.window.showErrorMessage(p.message, ...(action ? [action] : []));
      if (pick === 'Start Azurite') await this.startAzurite();
      else if (pick === 'Sign In') await this.signIn();
      return undefined;
    }
  }

  refresh(node?: StorageNode): void {
    this.tree.refresh(node);
  }

  async loadMore(node: StorageNode): Promise<void> {
    const parent = node.kind === 'more' ? node.parent : undefined;
    const account = parent && 'account' in parent ? parent.account : undefined;
    if (account) await this.guarded(account, 'list', () => this.tree.loadMore(node));
  }

  async copyUrl(node?: StorageNode): Promise<void> {
    if (!node || !('account' in node)) return;
    const base = node.account.target.blobEndpoint;
    const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');
    const url =
      node.kind === 'account' ? base : node.kind === 'container' ? `${base}/${node.container}` : node.kind === 'folder' ? `${base}/${node.container}/${enc(node.prefix)}` : `${base}/${node.container}/${enc(node.blob.name)}`;
    await vscode.env.clipboard.writeText(url); // never with a SAS
    vscode.window.setStatusBarMessage(`Copied ${url}`, 3000);
  }

  async download(node?: StorageNode): Promise<void> {
    if (node?.kind !== 'blob') return;
    const name = node.blob.name.split('/').pop() ?? 'blob';
    const dest = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd()), name), title: `Download ${node.blob.name}` });
    if (!dest) return;
    await this.guarded(node.account, 'read', () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Downloading ${name}`, cancellable: true }, async (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let last = 0;
        await downloadBlob(this.container(node.account, node.container), node.blob.name, dest.fsPath, (b) => {
          progress.report({ increment: (100 * (b - last)) / Math.max(node.blob.size, 1), message: `${formatSize(b)} of ${formatSize(node.blob.size)}` });
          last = b;
        }, ac.signal);
        vscode.window.setStatusBarMessage(`Downloaded ${name}`, 3000);
      }),
    );
  }

  private prefixOf(node: Located): string {
    return node.kind === 'folder' ? node.prefix : node.kind === 'blob' ? node.blob.name.slice(0, node.blob.name.lastIndexOf('/') + 1) : '';
  }

  async uploadFiles(node?: StorageNode): Promise<void> {
    if (!node || (node.kind !== 'container' && node.kind !== 'folder')) return;
    const files = await vscode.window.showOpenDialog({ canSelectMany: true, canSelectFiles: true, canSelectFolders: false, title: `Upload to ${node.container}/${this.prefixOf(node)}` });
    if (!files?.length) return;
    const c = this.container(node.account, node.container);
    const prefix = this.prefixOf(node);
    const existing: string[] = [];
    for (const f of files) if (await c.getBlobClient(prefix + path.basename(f.fsPath)).exists().catch(() => false)) existing.push(path.basename(f.fsPath));
    if (existing.length) {
      const ok = await vscode.window.showWarningMessage(`Replace ${existing.length === 1 ? existing[0] : `${existing.length} blobs`} in ${node.container}/${prefix}?`, { modal: true }, 'Replace');
      if (ok !== 'Replace') return;
    }
    const total = files.reduce((n, f) => n + fs.statSync(f.fsPath).size, 0);
    await this.guarded(node.account, 'write', () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Uploading to ${node.container}/${prefix}`, cancellable: true }, async (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let done = 0;
        for (const f of files) {
          let last = 0;
          await uploadFile(c, f.fsPath, prefix + path.basename(f.fsPath), (b) => {
            progress.report({ increment: (100 * (b - last)) / Math.max(total, 1), message: path.basename(f.fsPath) });
            last = b;
          }, ac.signal);
          done++;
        }
        vscode.window.setStatusBarMessage(`Uploaded ${done} file(s)`, 3000);
      }),
    );
    this.tree.refresh(node);
  }

  async uploadFolder(node?: StorageNode): Promise<void> {
    if (!node || (node.kind !== 'container' && node.kind !== 'folder')) return;
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, canSelectFiles: false, canSelectFolders: true, title: `Upload a folder to ${node.container}/${this.prefixOf(node)}` });
    const dir = picked?.[0]?.fsPath;
    if (!dir) return;
    const c = this.container(node.account, node.container);
    const prefix = `${this.prefixOf(node)}${path.basename(dir)}/`;
    const result = await this.guarded(node.account, 'write', () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Uploading ${path.basename(dir)}`, cancellable: true }, async (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let last = 0;
        return uploadFolder(c, dir, prefix, (p) => {
          progress.report({ increment: (100 * (p.bytes - last)) / Math.max(p.totalBytes, 1), message: `${p.file ?? ''} (${formatSize(p.bytes)} of ${formatSize(p.totalBytes)})` });
          last = p.bytes;
        }, ac.signal);
      }),
    );
    this.tree.refresh(node);
    if (result?.failed.length) {
      const first = result.failed[0]!;
      const p = this.tree.problemFor(node.account, first.error, 'write');
      void vscode.window.showErrorMessage(`${result.failed.length} of ${result.failed.length + result.uploaded.length} files were not uploaded (none is left half-written): ${first.name}: ${p.message}`);
    } else if (result) {
      vscode.window.setStatusBarMessage(`Uploaded ${result.uploaded.length} file(s)`, 3000);
    }
  }

  async delete(node?: StorageNode): Promise<void> {
    if (!node || (node.kind !== 'container' && node.kind !== 'folder' && node.kind !== 'blob')) return;
    const what = node.kind === 'container' ? `the container "${node.container}" and every blob in it` : node.kind === 'folder' ? `every blob under "${node.prefix}"` : `"${node.blob.name}"`;
    const ok = await vscode.window.showWarningMessage(`Delete ${what} from ${node.account.label}? This cannot be undone.`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return;
    const c = this.container(node.account, node.container);
    await this.guarded(node.account, 'delete', async () => {
      if (node.kind === 'container') await c.delete();
      else if (node.kind === 'folder') await deletePrefix(c, node.prefix);
      else await c.deleteBlob(node.blob.name, { deleteSnapshots: 'include' });
    });
    this.tree.refresh();
  }

  async createContainer(node?: StorageNode): Promise<void> {
    if (node?.kind !== 'account') return;
    const name = await vscode.window.showInputBox({ title: `New container in ${node.account.label}`, prompt: 'Container name', validateInput: (v) => (v ? checkContainerName(v) : undefined) });
    if (!name) return;
    await this.guarded(node.account, 'create', () => this.container(node.account, name).create());
    this.tree.refresh(node);
  }

  async openBlob(node?: StorageNode): Promise<void> {
    if (node?.kind !== 'blob') return;
    const uri = vscode.Uri.from({ scheme: BLOB_SCHEME, path: `/${node.account.target.accountName}/${node.container}/${node.blob.name}` });
    this.openBlobs.set(uri.toString(), { account: node.account, container: node.container, blob: node.blob.name });
    await this.guarded(node.account, 'read', async () => {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: true });
    });
  }
}
