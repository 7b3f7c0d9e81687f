// Listing storage accounts for a Microsoft sign-in through the Azure management clients,
// and reading a token's expiry. No `vscode` import; the SDK is loaded on first use.
import type { TokenCredential } from '@azure/core-auth';
import { sdk } from './sdk';

export interface ListedAccount {
  readonly name: string;
  readonly blobEndpoint: string;
  readonly subscriptionId: string;
  readonly subscriptionName: string;
  /** false when shared key access is disabled on the account. */
  readonly allowSharedKeyAccess?: boolean | undefined;
}

/** Every storage account of every subscription the identity sees. */
export async function listStorageAccounts(credential: TokenCredential, managementEndpoint?: string, abortSignal?: AbortSignal): Promise<ListedAccount[]> {
  const { SubscriptionClient, StorageManagementClient } = sdk();
  const options = managementEndpoint ? { endpoint: managementEndpoint } : {};
  const subs = new SubscriptionClient(credential, options);
  const out: ListedAccount[] = [];
  const subscriptions: Array<{ id: string; name: string }> = [];
  for await (const s of subs.subscriptions.list({ abortSignal })) {
    if (s.subscriptionId && s.state !== 'Disabled') subscriptions.push({ id: s.subscriptionId, name: s.displayName ?? s.subscriptionId });
  }
  await Promise.all(
    subscriptions.map(async (s) => {
      const client = new StorageManagementClient(credential, s.id, options);
      for await (const a of client.storageAccounts.list({ abortSignal })) {
        const blob = a.primaryEndpoints?.blob;
        if (!a.name || !blob) continue;
        out.push({ name: a.name, blobEndpoint: blob.replace(/\/+$/, ''), subscriptionId: s.id, subscriptionName: s.name, allowSharedKeyAccess: a.allowSharedKeyAccess });
      }
    }),
  );
  return out.sort((x, y) => x.name.localeCompare(y.name));
}

/** The `exp` of a JWT access token, in epoch milliseconds; undefined if it is not a JWT. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
