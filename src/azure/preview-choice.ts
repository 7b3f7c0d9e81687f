// The account and container whose credentials previewed apps get: chosen in the Azure Storage
// view, kept per workspace, and turned into a PreviewAccount at every app start.
import * as vscode from 'vscode';
import { Config } from '../config/config';
import type { Account, AzureAccounts } from './accounts';
import type { PreviewAccount } from './preview-hook';
import type { PreviewChoice, StorageNode, StorageTree } from './tree';

const CHOICE_KEY = 'dataAppPreview.azure.previewChoice';

type ContainerNode = Extract<StorageNode, { kind: 'container' }>;

export class PreviewChoices {
  /** The chosen account that was missing when the user was last told (told once until it comes back). */
  private warnedMissing: string | undefined;

  constructor(
    private readonly state: vscode.Memento,
    private readonly accounts: AzureAccounts,
    private readonly log: vscode.LogOutputChannel,
    private readonly tree: () => StorageTree,
    private readonly onChanged: (why: string) => Promise<void>,
  ) {}

  current(): PreviewChoice | undefined {
    return this.state.get<PreviewChoice>(CHOICE_KEY);
  }

  /** The account an id names, if it is signed in or attached now. */
  async findAccount(id: string): Promise<Account | undefined> {
    const local = (await this.accounts.localAccounts()).find((a) => a.id === id);
    if (local) return local;
    const [kind, endpoint] = id.split('|');
    const credential = kind === 'microsoft' || kind === 'cli' || kind === 'environment' ? this.accounts.credentialFor(kind) : undefined;
    const stored = this.state.get<{ accountName: string; identity: string }>(`${CHOICE_KEY}.target`);
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

  /** What the run hook hands the next app run, if anything. */
  async previewAccount(): Promise<PreviewAccount | undefined> {
    const c = this.current();
    if (!c) return undefined;
    const account = await this.findAccount(c.accountId);
    if (!account) {
      this.log.warn(`The account chosen for preview (${c.accountId.split('|').pop()}) is not signed in now; the app starts without Azure credentials.`);
      // Said once, not at every save: the log keeps saying it.
      if (this.warnedMissing === c.accountId) return undefined;
      this.warnedMissing = c.accountId;
      void vscode.window
        .showWarningMessage(`The storage account chosen for preview is not available (signed out?). Sign in again in the Azure Storage view.`, 'Sign In')
        .then((p) => {
          if (p) void vscode.commands.executeCommand('dataAppPreview.azure.signIn');
        });
      return undefined;
    }
    this.warnedMissing = undefined;
    return {
      selection: { target: account.target, container: c.container },
      credential: account.credential,
      userDelegationSas: new Config().get('azure.userDelegationSas'),
      containerOnly: c.containerOnly === true,
    };
  }

  async use(node?: StorageNode): Promise<void> {
    const target = node?.kind === 'container' ? node : await this.pickContainer();
    if (!target) return;
    const { auth } = target.account.target;
    const reach = auth.kind === 'token' ? await this.pickReach(target.account.label, target.container) : 'account';
    if (!reach) return;
    await this.state.update(CHOICE_KEY, { accountId: target.account.id, container: target.container, containerOnly: reach === 'container' } satisfies PreviewChoice);
    if (auth.kind === 'token') await this.state.update(`${CHOICE_KEY}.target`, { accountName: target.account.target.accountName, identity: auth.identity });
    this.log.info(`Apps now get credentials for ${target.account.target.accountName}/${target.container}${reach === 'container' ? ' (that container only)' : ''}`);
    this.tree().refresh();
    // What the app can reach with them, said where the container is chosen.
    const scope =
      reach === 'container'
        ? `a SAS for ${target.container} only (valid 1 hour, a new one at every restart)`
        : auth.kind === 'token'
          ? 'storage tokens of your sign-in: they reach every account and container your identity can, not only this one'
          : auth.kind === 'key'
            ? 'the account key: it reaches every container of the account'
            : 'the SAS you attached, with exactly what it allows';
    await this.onChanged(`Previewed apps now use ${target.account.label}/${target.container}, with ${scope}.`);
  }

  async stopUsing(): Promise<void> {
    await this.state.update(CHOICE_KEY, undefined);
    this.tree().refresh();
    await this.onChanged('Previewed apps no longer get Azure credentials.');
  }

  /** For a sign-in: everything its tokens reach (the token endpoint), or only the container (a user delegation SAS). */
  private async pickReach(account: string, container: string): Promise<'account' | 'container' | undefined> {
    const items: Array<vscode.QuickPickItem & { reach: 'account' | 'container' }> = [
      {
        reach: 'account',
        label: '$(key) Storage tokens of my sign-in',
        description: 'revoked at every restart',
        detail: `The app gets Azure Storage tokens for your identity (DefaultAzureCredential works). They reach every storage account and container you can, not only ${container}.`,
      },
      {
        reach: 'container',
        label: `$(lock) Only the container ${container}`,
        description: 'user delegation SAS, 1 hour',
        detail:
          'The app gets a SAS for this container and nothing else (connection string and AZURE_STORAGE_SAS_TOKEN; DefaultAzureCredential alone will not work). A restart gives a new one; one already given stays valid until it expires.',
      },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `What may previewed apps reach in ${account}?`, ignoreFocusOut: true });
    return pick?.reach;
  }

  /** A quick pick over every account's containers (for the palette). */
  private async pickContainer(): Promise<ContainerNode | undefined> {
    const tree = this.tree();
    const roots = (await tree.getChildren()).filter((n): n is Extract<StorageNode, { kind: 'account' }> => n.kind === 'account');
    if (!roots.length) {
      void vscode.window.showInformationMessage('Sign in to Azure or attach a storage account first (Azure Storage view).', 'Sign In').then((p) => {
        if (p) void vscode.commands.executeCommand('dataAppPreview.azure.signIn');
      });
      return undefined;
    }
    const items: Array<vscode.QuickPickItem & { node: ContainerNode }> = [];
    for (const r of roots) {
      for (const c of await tree.getChildren(r)) {
        if (c.kind === 'container') items.push({ label: `${r.account.label}/${c.container}`, description: r.account.description, node: c });
      }
    }
    const pick = await vscode.window.showQuickPick(items, { title: 'Container whose account previewed apps get credentials for', placeHolder: 'account/container' });
    return pick?.node;
  }
}
