// The sign-in commands of the Azure Storage view: Microsoft, Azure CLI, environment, an
// attached connection string or SAS URL, the local emulator, and signing out.
import * as vscode from 'vscode';
import { findOnPath } from '../core/python';
import { Config } from '../config/config';
import type { AzureAccounts } from './accounts';
import { probeAzurite } from './azurite';
import { ConnectionInputError, parseConnectionString } from './connection';

export interface SignInDeps {
  readonly accounts: AzureAccounts;
  readonly log: vscode.LogOutputChannel;
  /** Starts the emulator; resolves true when it runs. */
  startEmulator(): Promise<boolean>;
  /** After a sign-out: drop cached clients, and the preview choice if its account is gone. */
  afterSignOut(): Promise<void>;
}

export class SignInCommands {
  constructor(private readonly deps: SignInDeps) {}

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
    const { accounts } = this.deps;
    const switching = accounts.signIns().some((s) => s.kind === 'microsoft');
    await accounts.signInMicrosoft(switching && !accounts.expired.has('microsoft'));
  }

  async signInWith(kind: 'cli' | 'environment'): Promise<void> {
    const what = kind === 'cli' ? 'Azure CLI' : 'environment credentials';
    if (kind === 'cli' && !findOnPath('az', process.env.PATH)) {
      const pick = await vscode.window.showErrorMessage(
        'The Azure CLI ("az") is not installed here, so it has no sign-in to use. Install it, run "az login" in a terminal, then try again; or sign in with Microsoft instead.',
        'How to Install',
        'Sign In with Microsoft',
      );
      if (pick === 'How to Install') await vscode.env.openExternal(vscode.Uri.parse('https://aka.ms/azure-cli'));
      else if (pick === 'Sign In with Microsoft') await this.signInMicrosoft();
      return;
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Signing in with ${what}…` }, async () => {
      try {
        await this.deps.accounts.signInWith(kind);
      } catch (e) {
        const hint =
          kind === 'cli'
            ? 'Run "az login" in a terminal, then try again.'
            : 'Set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET (or run on a managed identity), then try again.';
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
          parseConnectionString(v, new Config().get('azure.emulatorPort'));
          return undefined;
        } catch (e) {
          return e instanceof ConnectionInputError ? e.message : 'This is not a valid connection string or SAS URL.'; // never echo the input
        }
      },
    });
    if (!input?.trim()) return;
    const target = await this.deps.accounts.attach(input);
    this.deps.log.info(`Attached ${target.accountName}${target.container ? `/${target.container}` : ''} (${target.auth.kind === 'sas' ? 'SAS' : 'connection string'})`);
  }

  async useEmulator(): Promise<void> {
    const port = new Config().get('azure.emulatorPort');
    if (!(await probeAzurite(port))) {
      const pick = await vscode.window.showWarningMessage(`Azurite is not running on port ${port}.`, 'Start Azurite', 'Attach Anyway');
      if (pick === 'Start Azurite') {
        if (!(await this.deps.startEmulator())) return;
      } else if (pick !== 'Attach Anyway') return;
    }
    await this.deps.accounts.attachEmulator();
  }

  async signOut(): Promise<void> {
    const items = this.deps.accounts.removable();
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
    await this.deps.afterSignOut();
  }
}
