// The credential broker: a token endpoint on loopback that speaks the App Service
// managed-identity protocol (IDENTITY_ENDPOINT + IDENTITY_HEADER), so an unmodified
// DefaultAzureCredential in the app gets Storage tokens from the editor's sign-in.
// One secret per run, compared in constant time, revoked when the run's scope closes.
// No `vscode` import; the Azure SDK only as types.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { redact } from './connection';
import type { Logger } from '../core/log';
import { ScopeClosedError, type RunScope } from './scope';

export const STORAGE_RESOURCE = 'https://storage.azure.com';
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';
/** azure-core refreshes a token with under 300 s left: hand out only tokens with more. */
export const MIN_TOKEN_LIFETIME_MS = 5 * 60_000;
export const TOKEN_PATH = '/msi/token';

export interface BrokerLimits {
  /** Open connections at once; more are closed on arrival. */
  readonly maxConnections?: number;
  /** A connection must send its request headers within this time. */
  readonly headersTimeoutMs?: number;
  /** ... and its whole request within this time. */
  readonly requestTimeoutMs?: number;
  /** An idle connection (kept alive, or silent) is closed after this time. */
  readonly idleTimeoutMs?: number;
}

/** Apps ask for a token a few times an hour; a handful of connections is plenty. */
export const DEFAULT_BROKER_LIMITS: Required<BrokerLimits> = { maxConnections: 64, headersTimeoutMs: 5000, requestTimeoutMs: 10_000, idleTimeoutMs: 5000 };

interface Grant {
  readonly runId: string;
  readonly hash: Buffer;
  readonly credential: TokenCredential;
  readonly scope: RunScope;
  served: number;
}

export interface BrokerResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

/** Whether a requested resource/scope is Azure Storage (`https://storage.azure.com`, with or without `/` or `/.default`). */
export function isStorageResource(resource: string | null): boolean {
  if (!resource) return false;
  return (
    resource
      .trim()
      .replace(/\/\.default$/, '')
      .replace(/\/+$/, '')
      .toLowerCase() === STORAGE_RESOURCE
  );
}

export class TokenBroker {
  private readonly grants = new Map<string, Grant>();
  private port = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly log: Logger,
  ) {}

  static async start(log: Logger, limits: BrokerLimits = {}): Promise<TokenBroker> {
    const l = { ...DEFAULT_BROKER_LIMITS, ...limits };
    // Any local process can connect: bound what idle or slow connections can hold.
    const server = http.createServer({
      connectionsCheckingInterval: Math.min(1000, l.headersTimeoutMs),
      requestTimeout: l.requestTimeoutMs,
      headersTimeout: l.headersTimeoutMs,
      keepAliveTimeout: l.idleTimeoutMs,
    });
    server.maxConnections = l.maxConnections; // past it, new connections are closed at once
    server.setTimeout(l.idleTimeoutMs, (socket) => socket.destroy());
    const broker = new TokenBroker(server, log);
    server.on('request', (req, res) => void broker.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    broker.port = (server.address() as AddressInfo).port;
    server.unref();
    return broker;
  }

  /** `http://127.0.0.1:P/msi/token` — what IDENTITY_ENDPOINT is set to. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}${TOKEN_PATH}`;
  }

  /** Tokens served to a run so far (for the log and tests). */
  servedTo(runId: string): number {
    return this.grants.get(runId)?.served ?? 0;
  }

  /** Registers a run: returns its secret (the IDENTITY_HEADER); revoked when `scope` closes. */
  grant(runId: string, credential: TokenCredential, scope: RunScope): string {
    const secret = randomBytes(32).toString('base64url');
    this.grants.set(runId, { runId, hash: digest(secret), credential, scope, served: 0 });
    scope.whenClosed(() => this.revoke(runId));
    return secret;
  }

  revoke(runId: string): void {
    if (this.grants.delete(runId)) this.log.debug(`[run ${runId}] token endpoint secret revoked`);
  }

  /** Finds the grant for a presented secret, comparing against every grant in constant time. */
  private find(presented: string): Grant | undefined {
    const h = digest(presented);
    let found: Grant | undefined;
    for (const g of this.grants.values()) {
      if (timingSafeEqual(h, g.hash)) found = g;
    }
    return found;
  }

  /**
   * Answers one request (exposed for tests of the protocol without sockets). Errors carry both
   * shapes clients read: `{error: {code, message}}` (azure-identity 1.13 crashes on a string
   * "error") and App Service's own top-level `statusCode` and `message` (what MSAL's
   * managed-identity client, in azure-identity 1.19 and later, shows the app).
   */
  async answer(method: string, url: URL, headers: http.IncomingHttpHeaders): Promise<BrokerResponse> {
    const r = await this.decide(method, url, headers);
    const error = r.body.error as { message?: string } | undefined;
    return r.status >= 400 && error ? { status: r.status, body: { statusCode: r.status, message: error.message, ...r.body } } : r;
  }

  private async decide(method: string, url: URL, headers: http.IncomingHttpHeaders): Promise<BrokerResponse> {
    if (url.pathname !== TOKEN_PATH) return { status: 404, body: errorBody('not_found', 'Unknown path.') };
    if (method !== 'GET') return { status: 405, body: errorBody('method_not_allowed', 'Use GET.') };
    const secret = headers['x-identity-header'];
    if (typeof secret !== 'string' || !secret) {
      const imds = headers.metadata !== undefined;
      return {
        status: 400,
        body: errorBody(
          'missing_identity_header',
          imds ? 'The IMDS dialect is not served here; use IDENTITY_ENDPOINT with IDENTITY_HEADER.' : 'The X-IDENTITY-HEADER header is missing.',
        ),
      };
    }
    const grant = this.find(secret);
    if (!grant) {
      return {
        status: 401,
        body: errorBody('invalid_identity_header', 'This secret is not valid: it belonged to an earlier run of the app (each restart gets a new one), or the app was stopped.'),
      };
    }
    const resource = url.searchParams.get('resource') ?? url.searchParams.get('scope');
    if (!isStorageResource(resource)) {
      return {
        status: 400,
        body: errorBody('invalid_resource', `This endpoint hands out tokens for Azure Storage (${STORAGE_RESOURCE}) only, not "${resource ?? ''}".`),
      };
    }
    let token: AccessToken | null;
    try {
      token = await grant.scope.track((signal) => this.freshToken(grant.credential, signal));
    } catch (e) {
      if (e instanceof ScopeClosedError || grant.scope.closed) {
        return { status: 401, body: errorBody('run_closed', 'The app run this secret belonged to was closed.') };
      }
      const message = redact((e as Error).message ?? String(e)).split('\n')[0] ?? '';
      this.log.warn(`[run ${grant.runId}] token endpoint: could not get a Storage token: ${message}`);
      return { status: 500, body: errorBody('token_unavailable', `The editor could not get an Azure Storage token: ${message}. Sign in again in the Azure Storage view.`) };
    }
    if (!token) return { status: 500, body: errorBody('token_unavailable', 'The editor has no Azure Storage token. Sign in again in the Azure Storage view.') };
    if (token.expiresOnTimestamp - Date.now() <= MIN_TOKEN_LIFETIME_MS) {
      return { status: 503, body: errorBody('token_expiring', 'The signed-in session gives only tokens that expire within 5 minutes. Sign in again.') };
    }
    grant.served++;
    this.log.debug(`[run ${grant.runId}] token endpoint: Storage token served (${Math.round((token.expiresOnTimestamp - Date.now()) / 60_000)} min left)`);
    return {
      status: 200,
      body: {
        access_token: token.token,
        expires_on: String(Math.floor(token.expiresOnTimestamp / 1000)),
        resource: STORAGE_RESOURCE,
        token_type: 'Bearer',
      },
    };
  }

  /** A token with more than 5 minutes left; asks once more if the first is about to expire. */
  private async freshToken(credential: TokenCredential, abortSignal: AbortSignal): Promise<AccessToken | null> {
    const first = await credential.getToken(STORAGE_SCOPE, { abortSignal });
    if (!first || first.expiresOnTimestamp - Date.now() > MIN_TOKEN_LIFETIME_MS) return first;
    return credential.getToken(STORAGE_SCOPE, { abortSignal });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Only loopback callers; the secret is the real check.
    let result: BrokerResponse;
    try {
      result = await this.answer(req.method ?? 'GET', new URL(req.url ?? '/', 'http://127.0.0.1'), req.headers);
    } catch (e) {
      result = { status: 500, body: errorBody('internal', redact((e as Error).message)) };
    }
    const body = JSON.stringify(result.body);
    res.writeHead(result.status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  async close(): Promise<void> {
    this.grants.clear();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
