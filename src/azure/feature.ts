// Azure in the editor: owns the sign-ins, the shared blob client hub, the token broker, the
// run hook that hands the chosen account to apps, the Azure Storage view, read-only blob
// documents and the local emulator. The commands live in their own parts (sign-in, explorer,
// preview choice, emulator); this object builds them and closes everything at shutdown.
import * as vscode from 'vscode';
import type { ProcessTracker } from '../core/reaper';
import type { RunHook } from '../core/supervisor';
import { Disposable, toDisposable } from '../util/dispose';
import { Lazy } from '../util/lazy';
import { AzureAccounts } from './accounts';
import { BlobDocuments } from './blob-documents';
import { TokenBroker } from './broker';
import { EmulatorControl } from './emulator';
import { ExplorerCommands } from './explorer';
import { BlobHub } from './hub';
import { PreviewChoices } from './preview-choice';
import { AzurePreviewHook } from './preview-hook';
import { SignInCommands } from './sign-in';
import { StorageTree } from './tree';

export { BLOB_SCHEME } from './blob-documents';

export class AzureFeature extends Disposable {
  readonly accounts: AzureAccounts;
  readonly hub = new BlobHub();
  readonly tree: StorageTree;
  readonly hook: AzurePreviewHook;
  readonly emulator: EmulatorControl;
  readonly choices: PreviewChoices;
  readonly signIns: SignInCommands;
  readonly explorer: ExplorerCommands;
  readonly documents: BlobDocuments;
  private readonly broker: Lazy<TokenBroker>;

  constructor(
    context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    tracker: ProcessTracker,
    onPreviewAccountChanged: (why: string) => Promise<void>,
  ) {
    super();
    this.accounts = this._register(new AzureAccounts(context));
    this._register(toDisposable(() => this.hub.dispose()));
    this.choices = new PreviewChoices(context.workspaceState, this.accounts, log, () => this.tree, onPreviewAccountChanged);
    this.tree = this._register(new StorageTree(this.accounts, this.hub, () => this.choices.current()));
    this._register(vscode.window.createTreeView('dataAppPreview.storage', { treeDataProvider: this.tree, showCollapseAll: true }));
    this.emulator = new EmulatorControl(context, log, tracker);
    this.broker = new Lazy(() => TokenBroker.start(log)); // a failed start is tried again next time, not cached
    this.hook = new AzurePreviewHook({
      current: () => this.choices.previewAccount(),
      hub: this.hub,
      broker: () => this.broker.get(),
      log,
    });
    this.signIns = new SignInCommands({
      accounts: this.accounts,
      log,
      startEmulator: () => this.emulator.start(),
      afterSignOut: async () => {
        this.hub.dispose();
        this.accounts.fire();
        const c = this.choices.current();
        if (c && !(await this.choices.findAccount(c.accountId))) await this.choices.stopUsing();
      },
    });
    this.documents = this._register(new BlobDocuments());
    this.explorer = new ExplorerCommands({ tree: this.tree, documents: this.documents, log, startEmulator: () => this.emulator.start(), signIn: () => this.signIns.signIn() });
    this._register(toDisposable(() => void this.shutdown()));
    void this.accounts.restore().then(() => this.tree.refresh());
  }

  /** The run hook, for the app sessions. */
  get runHooks(): RunHook[] {
    return [this.hook];
  }

  /** Closes the open runs, the token endpoint and Azurite: each one even when another fails. Idempotent. */
  async shutdown(): Promise<void> {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['close the open runs', () => this.hook.dispose()],
      ['close the token endpoint', async () => (await this.broker.take())?.close()],
      ['stop Azurite', () => this.emulator.stop()],
    ];
    for (const [what, step] of steps) {
      await step().catch((e: unknown) => this.log.warn(`Shutdown: could not ${what}: ${(e as Error).message}`));
    }
  }
}
