// Sign-in methods as TokenCredentials: a VS Code authentication session (silent only, with
// the tenant), and any credential bounded in time. The clouds the Microsoft sign-in can use.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import * as vscode from 'vscode';
import { jwtExpiry } from './arm';

export interface Cloud {
  readonly providerId: string;
  readonly management: string;
  readonly managementScope: string;
}

export const CLOUDS: Readonly<Record<string, Cloud>> = {
  AzureCloud: { providerId: 'microsoft', management: 'https://management.azure.com', managementScope: 'https://management.azure.com/.default' },
  AzureChinaCloud: { providerId: 'microsoft-sovereign-cloud', management: 'https://management.chinacloudapi.cn', managementScope: 'https://management.chinacloudapi.cn/.default' },
  AzureUSGovernment: {
    providerId: 'microsoft-sovereign-cloud',
    management: 'https://management.usgovcloudapi.net',
    managementScope: 'https://management.usgovcloudapi.net/.default',
  },
};

export class SignInRequiredError extends Error {
  override readonly name = 'SignInRequiredError';
}

/** A VS Code authentication session as a TokenCredential: silent only, scopes plus VSCODE_TENANT. */
export class SessionCredential implements TokenCredential {
  constructor(
    private readonly providerId: string,
    private readonly tenant: string | undefined,
    private readonly account: vscode.AuthenticationSessionAccountInformation | undefined,
  ) {}

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken | null> {
    const list = [...(typeof scopes === 'string' ? [scopes] : scopes), ...(this.tenant ? [`VSCODE_TENANT:${this.tenant}`] : [])];
    const session = await vscode.authentication.getSession(this.providerId, list, { silent: true, ...(this.account ? { account: this.account } : {}) });
    if (!session) throw new SignInRequiredError('Your Microsoft sign-in has expired or was removed. Sign in again in the Azure Storage view.');
    return { token: session.accessToken, expiresOnTimestamp: jwtExpiry(session.accessToken) ?? Date.now() + 50 * 60_000 };
  }
}

/** A credential whose every call is bounded in time (ManagedIdentityCredential can hang offline). */
export class BoundedCredential implements TokenCredential {
  constructor(
    private readonly inner: TokenCredential,
    private readonly ms: number,
  ) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const ac = new AbortController();
    const outer = options?.abortSignal;
    const onAbort = () => ac.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ac.abort(new Error('timed out')), this.ms);
    try {
      return await this.inner.getToken(scopes, { ...options, abortSignal: ac.signal });
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  }
}
