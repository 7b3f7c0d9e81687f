// Ties the shared blob client to app runs. Each run opens a scope on the account chosen
// for preview and gets its credentials through the environment; before the run's process
// is stopped (every restart, and on stop) the scope is closed: the run's secret is revoked,
// its operations are drained (bounded) or aborted, and the client's idle sockets are closed.
// No `vscode` import.
import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { RunEnv } from '../core/env';
import type { Logger } from '../core/log';
import type { RunHook, RunInfo } from '../core/supervisor';
import type { TokenBroker } from './broker';
import { previewEnvironment, type PreviewSelection } from './childenv';
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
}

export const DEFAULT_DRAIN_MS = 1500;

export class AzurePreviewHook implements RunHook {
  private readonly runs = new Map<string, OpenRun>();

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
    this.runs.set(run.id, { scope, account });
    let grant: { endpoint: string; secret: string } | undefined;
    let delegation: string | undefined;
    if (target.auth.kind === 'token') {
      if (!account.credential) throw new Error(`Not signed in for ${target.accountName}: sign in again in the Azure Storage view.`);
      const broker = await this.opts.broker();
      grant = { endpoint: broker.endpoint, secret: broker.grant(run.id, account.credential, scope) };
      if (account.userDelegationSas && container) {
        const client = this.opts.hub.client({ target, credential: account.credential, ca: account.ca });
        delegation = await scope.track((signal) => userDelegationSas(client, target.accountName, container, target.blobEndpoint.startsWith('https:'), signal));
      }
    }
    const how = target.auth.kind === 'token' ? `token endpoint${delegation ? ' + user delegation SAS' : ''}` : target.auth.kind === 'key' ? 'connection string (key)' : 'SAS';
    this.opts.log.info(`[run ${run.id}] azure: ${target.accountName}${container ? `/${container}` : ''} via ${how}`);
    return previewEnvironment(account.selection, grant, delegation);
  }

  async closeRun(run: RunInfo): Promise<void> {
    const open = this.runs.get(run.id);
    if (!open) return;
    this.runs.delete(run.id);
    const result = await open.scope.close(this.opts.drainMs ?? DEFAULT_DRAIN_MS);
    const idle = this.opts.hub.closeIdleSockets(open.account.selection.target);
    this.opts.log.info(
      `[run ${run.id}] azure scope closed: credentials revoked, ${result.drained} operation(s) drained, ${result.aborted} aborted, ${idle} idle socket(s) closed (${result.ms} ms)`,
    );
  }

  /** Closes every open run's scope (extension shutdown). */
  async dispose(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.closeRun({ id, port: 0, startedAt: 0 })));
  }
}

/** A container SAS signed with a user delegation key (needs a bearer token), valid for an hour. */
export async function userDelegationSas(client: BlobServiceClient, accountName: string, container: string, httpsOnly: boolean, abortSignal?: AbortSignal): Promise<string> {
  const { ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol } = sdk();
  const startsOn = new Date(Date.now() - 5 * 60_000);
  const expiresOn = new Date(Date.now() + 60 * 60_000);
  const key = await client.getUserDelegationKey(startsOn, expiresOn, { abortSignal });
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
