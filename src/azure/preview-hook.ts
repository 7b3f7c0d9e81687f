// Ties the shared blob client to app runs. Each run opens a scope on the account chosen
// for preview and gets its credentials through the environment; before the run's process
// is stopped (every restart, and on stop) the scope is closed: the run's secret is revoked,
// its operations are drained (bounded) or aborted, and the client's idle sockets are closed.
// No `vscode` import.
import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient, UserDelegationKey } from '@azure/storage-blob';
import type { RunEnv } from '../core/env';
import type { Logger } from '../core/log';
import type { RunHook, RunInfo } from '../core/supervisor';
import type { TokenBroker } from './broker';
import { previewEnvironment, type PreviewSelection } from './childenv';
import type { StorageAuth } from './connection';
import type { BlobHub } from './hub';
import { RunScope } from './scope';
import { sdk } from './sdk';

export interface PreviewAccount {
  readonly selection: PreviewSelection;
  /** The signed-in identity, for `token` targets. */
  readonly credential?: TokenCredential | undefined;
  readonly ca?: string | undefined;
  /** Also hand the app a short-lived user delegation SAS (for tools that only take a SAS). */
  readonly userDelegationSas?: boolean;
  /**
   * Give a signed-in app only the chosen container: a user delegation SAS for it (valid
   * CONTAINER_SAS_MS, as its only credential), and no token endpoint (whose tokens reach every
   * account the identity can).
   */
  readonly containerOnly?: boolean;
}

export interface PreviewHookOptions {
  /** The account and container chosen for preview now, if any. */
  current(): Promise<PreviewAccount | undefined> | PreviewAccount | undefined;
  readonly hub: BlobHub;
  /** The broker, started on first need. */
  broker(): Promise<TokenBroker>;
  readonly log: Logger;
  /** How long a closing run's operations may take before they are aborted. */
  readonly drainMs?: number;
}

interface OpenRun {
  readonly scope: RunScope;
  readonly account: PreviewAccount;
  /** What closing the run takes back, and what stays valid: said in the log. */
  readonly revocation: string;
}

export const DEFAULT_DRAIN_MS = 1500;
/** A user delegation SAS given to a run is valid this long (a restart cannot revoke it). */
export const DELEGATION_SAS_MS = 15 * 60_000;
/** A container-only run's SAS is its only credential, and a running process cannot be handed a new one: one hour. */
export const CONTAINER_SAS_MS = 60 * 60_000;
/** A user delegation key is asked for with this validity, and reused while it outlives a new SAS. */
const DELEGATION_KEY_MS = 2 * 60 * 60_000;

export class AzurePreviewHook implements RunHook {
  private readonly runs = new Map<string, OpenRun>();
  /** User delegation keys by account endpoint and identity: not fetched again at every restart. */
  private readonly delegationKeys = new Map<string, Promise<UserDelegationKey>>();

  constructor(private readonly opts: PreviewHookOptions) {}

  get openRuns(): number {
    return this.runs.size;
  }

  async openRun(run: RunInfo): Promise<RunEnv> {
    const account = await this.opts.current();
    if (!account) return {};
    const { target } = account.selection;
    const container = account.selection.container ?? target.container;
    const scope = new RunScope(run.id);
    this.runs.set(run.id, { scope, account, revocation: revocationOf(target.auth) });
    let grant: { endpoint: string; secret: string } | undefined;
    let delegation: string | undefined;
    const { auth } = target;
    if (auth.kind === 'token' && account.containerOnly) {
      if (!account.credential) throw new Error(`Not signed in for ${target.accountName}: sign in again in the Azure Storage view.`);
      if (!container) throw new Error('Giving an app only one container needs a container: choose one with Use Container for Preview.');
      const client = this.opts.hub.client({ target, credential: account.credential, ca: account.ca });
      const key = await scope.track((signal) => this.delegationKey(client, `${target.blobEndpoint}|${auth.identity}`, signal, CONTAINER_SAS_MS));
      const sasToken = containerSas(key, target.accountName, container, target.blobEndpoint.startsWith('https:'), CONTAINER_SAS_MS);
      const selection: PreviewSelection = { target: { ...target, auth: { kind: 'sas', sasToken } }, container };
      this.runs.set(run.id, {
        scope,
        account,
        revocation: `nothing revocable: the user delegation SAS for ${container} stays valid until ${new URLSearchParams(sasToken).get('se')}`,
      });
      this.opts.log.info(`[run ${run.id}] azure: ${target.accountName}/${container} via a user delegation SAS for that container only`);
      return previewEnvironment(selection);
    }
    if (auth.kind === 'token') {
      if (!account.credential) throw new Error(`Not signed in for ${target.accountName}: sign in again in the Azure Storage view.`);
      const broker = await this.opts.broker();
      grant = { endpoint: broker.endpoint, secret: broker.grant(run.id, account.credential, scope) };
      if (account.userDelegationSas && container) {
        const client = this.opts.hub.client({ target, credential: account.credential, ca: account.ca });
        const key = await scope.track((signal) => this.delegationKey(client, `${target.blobEndpoint}|${auth.identity}`, signal, DELEGATION_SAS_MS));
        delegation = containerSas(key, target.accountName, container, target.blobEndpoint.startsWith('https:'), DELEGATION_SAS_MS);
      }
    }
    const how = target.auth.kind === 'token' ? `token endpoint${delegation ? ' + user delegation SAS' : ''}` : target.auth.kind === 'key' ? 'connection string (key)' : 'SAS';
    this.runs.set(run.id, { scope, account, revocation: revocationOf(target.auth, delegation) });
    this.opts.log.info(`[run ${run.id}] azure: ${target.accountName}${container ? `/${container}` : ''} via ${how}`);
    return previewEnvironment(account.selection, grant, delegation);
  }

  /** A user delegation key with more than a SAS's lifetime left: the one fetched before, or a new one. */
  private async delegationKey(client: BlobServiceClient, id: string, abortSignal: AbortSignal, sasMs: number): Promise<UserDelegationKey> {
    const cached = await this.delegationKeys.get(id)?.catch(() => undefined);
    if (cached && cached.signedExpiresOn.getTime() - Date.now() > sasMs + 5 * 60_000) return cached;
    const startsOn = new Date(Date.now() - 5 * 60_000);
    const fetching = client.getUserDelegationKey(startsOn, new Date(Date.now() + DELEGATION_KEY_MS), { abortSignal });
    this.delegationKeys.set(id, fetching);
    fetching.catch(() => this.delegationKeys.get(id) === fetching && this.delegationKeys.delete(id));
    const key = await fetching;
    this.opts.log.debug(`user delegation key fetched, valid until ${key.signedExpiresOn.toISOString()}`);
    return key;
  }

  async closeRun(run: RunInfo): Promise<void> {
    const open = this.runs.get(run.id);
    if (!open) return;
    this.runs.delete(run.id);
    const result = await open.scope.close(this.opts.drainMs ?? DEFAULT_DRAIN_MS);
    const idle = this.opts.hub.closeIdleSockets(open.account.selection.target);
    this.opts.log.info(
      `[run ${run.id}] azure scope closed: ${open.revocation}; ${result.drained} operation(s) drained, ${result.aborted} aborted, ${idle} idle socket(s) closed (${result.ms} ms)`,
    );
  }

  /** Closes every open run's scope (extension shutdown). */
  async dispose(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.closeRun({ id, port: 0, startedAt: 0 })));
  }
}

/** What closing a run takes back, and what it cannot. */
function revocationOf(auth: StorageAuth, delegationSas?: string): string {
  switch (auth.kind) {
    case 'token': {
      const until = delegationSas ? new URLSearchParams(delegationSas).get('se') : undefined;
      return `token endpoint secret revoked${until ? `; its user delegation SAS stays valid until ${until}` : ''}`;
    }
    case 'key':
      return 'nothing revocable: the connection string holds the account key, valid until the key is rotated';
    case 'sas': {
      const until = new URLSearchParams(auth.sasToken).get('se');
      return `nothing revocable: the SAS stays valid${until ? ` until ${until}` : ''}`;
    }
  }
}

/** A container SAS signed with a user delegation key (needs a bearer token), valid for `lifetimeMs`. */
export function containerSas(key: UserDelegationKey, accountName: string, container: string, httpsOnly: boolean, lifetimeMs: number): string {
  const { ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol } = sdk();
  const startsOn = new Date(Date.now() - 5 * 60_000);
  const expiresOn = new Date(Math.min(Date.now() + lifetimeMs, key.signedExpiresOn.getTime()));
  return generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse('racwdl'),
      startsOn,
      expiresOn,
      protocol: httpsOnly ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
    },
    key,
    accountName,
  ).toString();
}
