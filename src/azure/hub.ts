// The shared blob client hub: one BlobServiceClient per account and identity, used by the
// tree and by the broker alike, each with its own keep-alive agent so a closed run's idle
// sockets can be closed. No `vscode` import; the SDK is loaded on first use.
import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { StorageTarget } from './connection';
import { sdk } from './sdk';

export interface HubAccount {
  readonly target: StorageTarget;
  /** Required for `token` targets. */
  readonly credential?: TokenCredential | undefined;
  /** Extra trusted CA certificates (PEM), e.g. an emulator's self-signed one. */
  readonly ca?: string | undefined;
}

interface Entry {
  readonly client: BlobServiceClient;
  readonly agent: http.Agent;
}

/** The key of an account and identity: the endpoint plus who is calling (never the secret itself). */
export function accountKey(target: StorageTarget): string {
  const a = target.auth;
  const who =
    a.kind === 'token'
      ? `token:${a.identity}`
      : `${a.kind}:${createHash('sha256')
          .update(a.kind === 'key' ? a.accountKey : a.sasToken)
          .digest('hex')
          .slice(0, 16)}`;
  return `${target.blobEndpoint}|${who}`;
}

export class BlobHub {
  private readonly entries = new Map<string, Entry>();

  /** The shared client for an account and identity, created on first use. */
  client(account: HubAccount): BlobServiceClient {
    const key = accountKey(account.target);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.create(account);
      this.entries.set(key, entry);
    }
    return entry.client;
  }

  /** Closes the sockets of an account's client that are idle now (in-use ones finish first). */
  closeIdleSockets(target: StorageTarget): number {
    const entry = this.entries.get(accountKey(target));
    if (!entry) return 0;
    let closed = 0;
    for (const list of Object.values(entry.agent.freeSockets)) {
      for (const socket of list ?? []) {
        socket.destroy();
        closed++;
      }
    }
    return closed;
  }

  /** Open sockets (idle and busy) of an account's client. */
  socketCount(target: StorageTarget): { idle: number; busy: number } {
    const entry = this.entries.get(accountKey(target));
    const count = (m: NodeJS.ReadOnlyDict<unknown[]> | undefined) => Object.values(m ?? {}).reduce((n, l) => n + (l?.length ?? 0), 0);
    return { idle: count(entry?.agent.freeSockets), busy: count(entry?.agent.sockets) };
  }

  /** Drops every client and its sockets; clients are made again on next use (sign-out, shutdown). */
  dispose(): void {
    for (const e of this.entries.values()) e.agent.destroy();
    this.entries.clear();
  }

  private create(account: HubAccount): Entry {
    const { AnonymousCredential, BlobServiceClient, newPipeline, StorageSharedKeyCredential } = sdk();
    const { target } = account;
    const secure = target.blobEndpoint.startsWith('https:');
    // An extra CA is added to the system's roots (Node's `ca` option would replace them).
    const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: 64, ...(account.ca ? { ca: [...tls.rootCertificates, account.ca] } : {}) };
    const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    let url = target.blobEndpoint;
    let credential;
    switch (target.auth.kind) {
      case 'key':
        credential = new StorageSharedKeyCredential(target.accountName, target.auth.accountKey);
        break;
      case 'sas':
        credential = new AnonymousCredential();
        url = `${target.blobEndpoint}?${target.auth.sasToken}`;
        break;
      case 'token':
        if (!account.credential) throw new Error(`No sign-in for ${target.accountName}: sign in again in the Azure Storage view.`);
        credential = account.credential;
        break;
    }
    const pipeline = newPipeline(credential, { retryOptions: { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 4000, tryTimeoutInMs: 60_000 } });
    // Every request of this client goes through its own agent (so idle sockets can be closed).
    pipeline.factories.push({
      create: (next) => ({
        sendRequest: (request) => {
          request.agent = agent;
          return next.sendRequest(request);
        },
      }),
    });
    return { client: new BlobServiceClient(url, pipeline), agent };
  }
}
