// The ways of signing in, and the accounts they give: a Microsoft sign-in through VS Code's
// authentication provider (adapted to a TokenCredential), the Azure CLI or the environment,
// attached connection strings and SAS URLs (kept in SecretStorage, never in settings), and
// the local emulator. Sign-ins are restored at start-up without prompting.
import type { TokenCredential } from '@azure/core-auth';
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Config } from '../config/config';
import { Disposable } from '../util/dispose';
import { listStorageAccounts } from './arm';
import { BoundedCredential, CLOUDS, SessionCredential, type Cloud } from './credentials';
import { STORAGE_SCOPE } from './broker';
import { EMULATOR_ACCOUNT, emulatorTarget, parseConnectionString, type StorageTarget } from './connection';
import { sdk } from './sdk';

export type SignInKind = 'microsoft' | 'cli' | 'environment';

/** One account in the tree. Secrets live only inside `target` (in memory) and SecretStorage. */
export interface Account {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly target: StorageTarget;
  readonly credential?: TokenCredential | undefined;
  readonly emulator: boolean;
  /** Where it came from: an attachment (detachable) or a sign-in. */
  readonly source: 'attached' | 'emulator' | SignInKind;
}

interface Attachment {
  readonly id: string;
  readonly label: string;
}

interface SignIn {
  readonly kind: SignInKind;
  readonly providerId?: string;
  readonly tenant?: string;
  readonly accountId?: string;
  readonly accountLabel?: string;
}

const ATTACHMENTS_KEY = 'dataAppPreview.azure.attachments';
const SIGNINS_KEY = 'dataAppPreview.azure.signIns';
const EMULATOR_KEY_STATE = 'dataAppPreview.azure.emulator';
const secretKey = (id: string) => `dataAppPreview.azure.connection.${id}`;

export class AzureAccounts extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly credentials = new Map<SignInKind, TokenCredential>();
  /** Sign-ins restored at start-up that need the user again. */
  readonly expired = new Set<SignInKind>();
  /** Attachments and the emulator, read from SecretStorage once per change (every run start asks). */
  private local: Promise<Account[]> | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    this._register(
      vscode.authentication.onDidChangeSessions((e) => {
        if (this.signIns().some((s) => s.providerId === e.provider.id)) void this.restore().then(() => this.fire());
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('dataAppPreview.azure')) this.fire(); // the emulator port, the cloud
      }),
    );
    this._register(context.secrets.onDidChange(() => this.fire()));
  }

  private cloud(): Cloud {
    return CLOUDS[new Config().get('azure.cloud')] ?? CLOUDS.AzureCloud!;
  }

  signIns(): SignIn[] {
    return this.context.globalState.get<SignIn[]>(SIGNINS_KEY, []);
  }

  private attachments(): Attachment[] {
    return this.context.globalState.get<Attachment[]>(ATTACHMENTS_KEY, []);
  }

  get emulatorAttached(): boolean {
    return this.context.globalState.get<boolean>(EMULATOR_KEY_STATE, false);
  }

  /** Restores sign-ins without prompting; a Microsoft session that is gone is marked expired. */
  async restore(): Promise<void> {
    for (const s of this.signIns()) {
      if (s.kind !== 'microsoft') {
        // Made on first use: restoring at activation must not load the SDK bundle.
        const kind = s.kind;
        let made: TokenCredential | undefined;
        this.credentials.set(kind, { getToken: (scopes, options) => (made ??= this.sdkCredential(kind)).getToken(scopes, options) });
        continue;
      }
      const session = await vscode.authentication.getSession(s.providerId ?? 'microsoft', this.managementScopes(s.tenant), { silent: true }).then(undefined, () => undefined);
      if (session) {
        this.expired.delete('microsoft');
        this.credentials.set('microsoft', new SessionCredential(s.providerId ?? 'microsoft', s.tenant, session.account));
      } else {
        this.expired.add('microsoft');
        this.credentials.delete('microsoft');
      }
    }
  }

  private managementScopes(tenant?: string): string[] {
    return [this.cloud().managementScope, ...(tenant ? [`VSCODE_TENANT:${tenant}`] : [])];
  }

  private sdkCredential(kind: 'cli' | 'environment'): TokenCredential {
    const { AzureCliCredential, DefaultAzureCredential } = sdk();
    return new BoundedCredential(kind === 'cli' ? new AzureCliCredential() : new DefaultAzureCredential(), 20_000);
  }

  /** The interactive Microsoft sign-in (the only place that may prompt). */
  async signInMicrosoft(switchAccount = false): Promise<void> {
    const cloud = this.cloud();
    const tenant = new Config().get('azure.tenant') || undefined;
    const session = await vscode.authentication.getSession(cloud.providerId, this.managementScopes(tenant), {
      createIfNone: true,
      ...(switchAccount ? { clearSessionPreference: true } : {}),
    });
    const entry: SignIn = { kind: 'microsoft', providerId: cloud.providerId, ...(tenant ? { tenant } : {}), accountId: session.account.id, accountLabel: session.account.label };
    await this.saveSignIn(entry);
    this.expired.delete('microsoft');
    this.credentials.set('microsoft', new SessionCredential(cloud.providerId, tenant, session.account));
    this.fire();
  }

  /** Azure CLI or the environment: checked with one token request before it is kept. */
  async signInWith(kind: 'cli' | 'environment'): Promise<void> {
    const credential = this.sdkCredential(kind);
    await credential.getToken(STORAGE_SCOPE);
    await this.saveSignIn({ kind });
    this.credentials.set(kind, credential);
    this.fire();
  }

  private async saveSignIn(entry: SignIn): Promise<void> {
    const rest = this.signIns().filter((s) => s.kind !== entry.kind);
    await this.context.globalState.update(SIGNINS_KEY, [...rest, entry]);
  }

  /** Attaches a connection string or SAS URL; the text goes to SecretStorage only. Throws ConnectionInputError on bad input. */
  async attach(input: string): Promise<StorageTarget> {
    const target = parseConnectionString(input, new Config().get('azure.emulatorPort'));
    const id = randomUUID();
    await this.context.secrets.store(secretKey(id), input.trim());
    const label = target.container ? `${target.accountName}/${target.container}` : target.accountName;
    await this.context.globalState.update(ATTACHMENTS_KEY, [...this.attachments(), { id, label }]);
    this.fire();
    return target;
  }

  async attachEmulator(): Promise<void> {
    await this.context.globalState.update(EMULATOR_KEY_STATE, true);
    this.fire();
  }

  /** What "Sign Out" offers: each sign-in and attachment. */
  removable(): Array<{ label: string; description: string; remove: () => Promise<void> }> {
    const out: Array<{ label: string; description: string; remove: () => Promise<void> }> = [];
    for (const s of this.signIns()) {
      out.push({
        label: s.kind === 'microsoft' ? `Microsoft account${s.accountLabel ? ` ${s.accountLabel}` : ''}` : s.kind === 'cli' ? 'Azure CLI' : 'Environment credentials',
        description: 'sign out',
        remove: async () => {
          await this.context.globalState.update(
            SIGNINS_KEY,
            this.signIns().filter((x) => x.kind !== s.kind),
          );
          this.credentials.delete(s.kind);
          this.expired.delete(s.kind);
        },
      });
    }
    for (const a of this.attachments()) {
      out.push({
        label: a.label,
        description: 'detach connection',
        remove: async () => {
          await this.context.secrets.delete(secretKey(a.id));
          await this.context.globalState.update(
            ATTACHMENTS_KEY,
            this.attachments().filter((x) => x.id !== a.id),
          );
        },
      });
    }
    if (this.emulatorAttached) {
      out.push({ label: 'Local emulator (Azurite)', description: 'detach', remove: () => Promise.resolve(this.context.globalState.update(EMULATOR_KEY_STATE, false)) });
    }
    return out;
  }

  /** Something changed: forget what was read and tell the tree. */
  fire(): void {
    this.local = undefined;
    this.changed.fire();
  }

  /** The accounts without the management-plane listing (attachments, emulator): fast and offline. */
  localAccounts(): Promise<Account[]> {
    return (this.local ??= this.readLocalAccounts());
  }

  private async readLocalAccounts(): Promise<Account[]> {
    const out: Account[] = [];
    if (this.emulatorAttached) {
      const port = new Config().get('azure.emulatorPort');
      out.push({ id: 'emulator', label: EMULATOR_ACCOUNT, description: `local emulator :${port}`, target: emulatorTarget(port), emulator: true, source: 'emulator' });
    }
    for (const a of this.attachments()) {
      const text = await this.context.secrets.get(secretKey(a.id));
      if (!text) continue;
      try {
        const target = parseConnectionString(text, new Config().get('azure.emulatorPort'));
        out.push({
          id: `attached:${a.id}`,
          label: a.label,
          description: target.auth.kind === 'sas' ? 'SAS' : 'connection string',
          target,
          emulator: false,
          source: 'attached',
        });
      } catch {
        // An attachment that no longer parses (e.g. its SAS expired) is shown by the tree as such.
        out.push({
          id: `attached:${a.id}`,
          label: a.label,
          description: 'expired or invalid: detach it',
          target: { accountName: a.label, blobEndpoint: 'about:invalid', auth: { kind: 'sas', sasToken: '' } },
          emulator: false,
          source: 'attached',
        });
      }
    }
    return out;
  }

  /** Accounts of the signed-in identities, listed from their subscriptions. */
  async signedInAccounts(): Promise<Array<Account | { error: unknown; kind: SignInKind }>> {
    const out: Array<Account | { error: unknown; kind: SignInKind }> = [];
    for (const s of this.signIns()) {
      const credential = this.credentials.get(s.kind);
      if (!credential) continue;
      try {
        for (const a of await listStorageAccounts(credential, this.cloud().management)) {
          out.push({
            id: `${s.kind}|${a.blobEndpoint}`,
            label: a.name,
            description: `${a.subscriptionName}${a.allowSharedKeyAccess === false ? ' · shared key disabled' : ''}`,
            target: { accountName: a.name, blobEndpoint: a.blobEndpoint, auth: { kind: 'token', identity: `${s.kind}:${s.accountId ?? ''}` } },
            credential,
            emulator: false,
            source: s.kind,
          });
        }
      } catch (error) {
        out.push({ error, kind: s.kind });
      }
    }
    return out;
  }

  /** The credential of a sign-in, if it is signed in now. */
  credentialFor(kind: SignInKind): TokenCredential | undefined {
    return this.credentials.get(kind);
  }
}
