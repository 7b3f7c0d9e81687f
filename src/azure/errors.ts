// Turns Storage, network and sign-in errors into messages that say what to do.
// No `vscode` import, no Azure SDK import (errors are read by shape).
import { redact } from './connection';

export type StorageOperation = 'list' | 'read' | 'write' | 'delete' | 'create' | 'delegate';

export type ProblemKind =
  | 'signin-expired'
  | 'forbidden-role'
  | 'forbidden-sas'
  | 'forbidden-key'
  | 'shared-key-disabled'
  | 'not-found'
  | 'already-exists'
  | 'emulator-down'
  | 'network'
  | 'aborted'
  | 'other';

export interface Problem {
  readonly kind: ProblemKind;
  readonly message: string;
}

export interface ProblemContext {
  readonly operation: StorageOperation;
  readonly accountName: string;
  /** How the account is reached: decides which advice applies to a 403. */
  readonly auth: 'key' | 'sas' | 'token';
  readonly emulator?: boolean;
  readonly endpoint?: string;
}

/** The built-in role that grants an operation on blob data. */
export function roleFor(op: StorageOperation): string {
  switch (op) {
    case 'list':
    case 'read':
      return 'Storage Blob Data Reader';
    case 'delegate':
      return 'Storage Blob Delegator (or Storage Blob Data Reader)';
    default:
      return 'Storage Blob Data Contributor';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'REQUEST_SEND_ERROR',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const SIGNIN_NAMES = new Set(['AuthenticationRequiredError', 'CredentialUnavailableError', 'AuthenticationError', 'SignInRequiredError']);

interface ErrorShape {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  details?: { errorCode?: string };
  cause?: unknown;
}

export function describeProblem(error: unknown, ctx: ProblemContext): Problem {
  const e = (error ?? {}) as ErrorShape;
  const code = e.details?.errorCode ?? e.code ?? '';
  const text = redact(e.message ?? String(error));
  if (e.name === 'AbortError' || code === 'ABORT_ERR') return { kind: 'aborted', message: 'The operation was cancelled.' };
  if (SIGNIN_NAMES.has(e.name ?? '')) {
    return { kind: 'signin-expired', message: `Your Azure sign-in for ${ctx.accountName} has expired or was revoked. Sign in again. (${firstLine(text)})` };
  }
  const netCode = networkCode(e);
  if (netCode) {
    if (ctx.emulator) {
      return { kind: 'emulator-down', message: `The storage emulator (Azurite) is not running at ${ctx.endpoint ?? 'its address'}. Start it with "Data App: Start Azurite".` };
    }
    return { kind: 'network', message: `Could not reach ${ctx.endpoint ?? ctx.accountName} (${netCode}). Check the network, a proxy or firewall, and that the account exists.` };
  }
  const status = e.statusCode;
  if (code === 'KeyBasedAuthenticationNotPermitted') {
    return {
      kind: 'shared-key-disabled',
      message: `Shared key access is disabled on ${ctx.accountName}, so its keys and key-signed SAS do not work. Sign in with a Microsoft account (Microsoft Entra ID) instead.`,
    };
  }
  if (status === 401 || code === 'InvalidAuthenticationInfo' || code === 'ExpiredToken') {
    if (ctx.auth === 'token') return { kind: 'signin-expired', message: `Your Azure sign-in for ${ctx.accountName} has expired or was revoked. Sign in again.` };
  }
  if (status === 403 || code === 'AuthorizationPermissionMismatch' || code === 'AuthorizationFailure' || code === 'AuthenticationFailed') {
    if (ctx.auth === 'token') {
      if (code === 'AuthenticationFailed' || code === 'InvalidAuthenticationInfo') {
        return { kind: 'signin-expired', message: `Azure Storage refused the sign-in token for ${ctx.accountName}. Sign in again.` };
      }
      return {
        kind: 'forbidden-role',
        message: `You are signed in but lack the role for this on ${ctx.accountName}: ask for "${roleFor(ctx.operation)}" on the account or container (Owner or Contributor alone does not grant blob data access).`,
      };
    }
    if (ctx.auth === 'sas') {
      return {
        kind: 'forbidden-sas',
        message: `The SAS for ${ctx.accountName} does not allow this (${ctx.operation}): it may have expired, be for another container, or lack the permission. Attach a new SAS.`,
      };
    }
    return { kind: 'forbidden-key', message: `${ctx.accountName} refused the account key (${code || status}). The key may have been rotated: attach the new connection string.` };
  }
  if (status === 404 || /NotFound$/.test(code)) return { kind: 'not-found', message: `Not found on ${ctx.accountName} (${code || '404'}). Refresh the view.` };
  if (status === 409 && /AlreadyExists$|BeingDeleted$/.test(code)) {
    return {
      kind: 'already-exists',
      message: code === 'ContainerBeingDeleted' ? 'A container of that name is still being deleted; try again in a minute.' : `That name is already taken on ${ctx.accountName}.`,
    };
  }
  return { kind: 'other', message: `${ctx.accountName}: ${firstLine(text)}${code ? ` (${code})` : ''}` };
}

function networkCode(e: ErrorShape): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const c = cur as ErrorShape;
    if (c.code && NETWORK_CODES.has(c.code)) {
      if (c.code !== 'REQUEST_SEND_ERROR') return c.code;
      const inner = /\b(E[A-Z_]{4,})\b/.exec(c.message ?? '');
      return inner?.[1] ?? 'REQUEST_SEND_ERROR';
    }
    const m = /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|EAI_AGAIN)\b/.exec(c.message ?? '');
    if (m && !c.statusCode) return m[1];
    cur = c.cause;
  }
  return undefined;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim()) ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
