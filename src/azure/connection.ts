// Storage connections the user can attach: parsing and checking connection strings and SAS
// URLs, with messages that say exactly what is wrong. No `vscode` import, no Azure SDK.

/** The published Azurite development account (not a secret: it is in Microsoft's docs). */
export const EMULATOR_ACCOUNT = 'devstoreaccount1';
export const EMULATOR_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
export const EMULATOR_DEFAULT_PORT = 10000;

/** How requests to an account are authorized. Secrets live only in these objects and SecretStorage. */
export type StorageAuth =
  | { readonly kind: 'key'; readonly accountKey: string }
  | { readonly kind: 'sas'; readonly sasToken: string }
  /** A Microsoft Entra identity (VS Code's Microsoft sign-in, Azure CLI, environment). */
  | { readonly kind: 'token'; readonly identity: string };

export interface StorageTarget {
  readonly accountName: string;
  /** The blob service URL, without a trailing slash or query: `https://acct.blob.core.windows.net`. */
  readonly blobEndpoint: string;
  readonly auth: StorageAuth;
  /** A SAS URL for one container gives access to that container only. */
  readonly container?: string | undefined;
}

/** Bad connection input. Shown under the input box, so whatever it echoes is redacted here, once for all. */
export class ConnectionInputError extends Error {
  override readonly name = 'ConnectionInputError';
  constructor(message: string) {
    super(redact(message));
  }
}

const KNOWN_KEYS = new Set([
  'defaultendpointsprotocol',
  'accountname',
  'accountkey',
  'endpointsuffix',
  'blobendpoint',
  'queueendpoint',
  'tableendpoint',
  'fileendpoint',
  'sharedaccesssignature',
  'usedevelopmentstorage',
  'developmentstorageproxyuri',
]);

/** `http://127.0.0.1:10000/devstoreaccount1` */
export function emulatorEndpoint(port = EMULATOR_DEFAULT_PORT, host = '127.0.0.1'): string {
  return `http://${host}:${port}/${EMULATOR_ACCOUNT}`;
}

export function emulatorTarget(port = EMULATOR_DEFAULT_PORT): StorageTarget {
  return { accountName: EMULATOR_ACCOUNT, blobEndpoint: emulatorEndpoint(port), auth: { kind: 'key', accountKey: EMULATOR_KEY } };
}

/** Parses an account connection string (key or SAS), or `UseDevelopmentStorage=true`. Throws ConnectionInputError only. */
export function parseConnectionString(input: string, emulatorPort = EMULATOR_DEFAULT_PORT): StorageTarget {
  return inputErrorsOnly(() => parseConnectionStringUnchecked(input, emulatorPort));
}

/** Any other error (a URL the platform refuses, a bad %-escape) becomes a ConnectionInputError that echoes nothing. */
function inputErrorsOnly<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ConnectionInputError) throw e;
    throw new ConnectionInputError('This is not a valid connection string or SAS URL: check that it was copied whole.');
  }
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

function parseConnectionStringUnchecked(input: string, emulatorPort: number): StorageTarget {
  const text = input.trim().replace(/^"|"$/g, '');
  if (!text) throw new ConnectionInputError('The connection string is empty.');
  if (/^https?:\/\//i.test(text)) return parseSasUrl(text);
  const fields = new Map<string, string>();
  // A part is named by its position, never quoted: a stray ";" inside a key or SAS makes a
  // "part" of secret material.
  const parts = text.split(';');
  for (const [i, part] of parts.entries()) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const where = `its ${ordinal(i + 1)} part (after the ${ordinal(i)} ";")`;
    if (eq <= 0)
      throw new ConnectionInputError(
        `The connection string is not a list of "name=value" settings separated by ";": ${i ? where : 'its first part'} has no "name=". A key or SAS may contain a stray ";".`,
      );
    const key = part.slice(0, eq).trim().toLowerCase();
    if (!KNOWN_KEYS.has(key)) {
      throw new ConnectionInputError(
        `The connection string has an unknown setting in ${i ? where : 'its first part'}. Known settings: AccountName, AccountKey, BlobEndpoint, SharedAccessSignature, DefaultEndpointsProtocol, EndpointSuffix, UseDevelopmentStorage. A key or SAS may contain a stray ";".`,
      );
    }
    fields.set(key, part.slice(eq + 1).trim());
  }
  if (fields.get('usedevelopmentstorage')?.toLowerCase() === 'true') return emulatorTarget(emulatorPort);

  const sas = fields.get('sharedaccesssignature');
  const key = fields.get('accountkey');
  let name = fields.get('accountname');
  let endpoint = fields.get('blobendpoint');
  if (endpoint) {
    endpoint = checkEndpoint(endpoint, 'BlobEndpoint');
    name ??= accountNameFromEndpoint(endpoint);
  } else {
    if (!name) throw new ConnectionInputError('The connection string has neither AccountName nor BlobEndpoint.');
    const protocol = (fields.get('defaultendpointsprotocol') ?? 'https').toLowerCase();
    if (protocol !== 'https' && protocol !== 'http') throw new ConnectionInputError(`DefaultEndpointsProtocol must be https or http, not "${protocol}".`);
    const suffix = fields.get('endpointsuffix') ?? 'core.windows.net';
    endpoint = `${protocol}://${name}.blob.${suffix}`;
  }
  if (!name) throw new ConnectionInputError('The connection string has no AccountName, and it cannot be read from BlobEndpoint.');
  checkAccountName(name);
  if (key !== undefined) {
    if (sas !== undefined) throw new ConnectionInputError('The connection string has both AccountKey and SharedAccessSignature; keep one.');
    if (!key || !/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) {
      throw new ConnectionInputError('AccountKey is not a valid base64 key (it may have been cut off when copied).');
    }
    if (Buffer.from(key, 'base64').length !== ACCOUNT_KEY_BYTES) {
      throw new ConnectionInputError(`AccountKey is ${key.length} characters long; a storage account key is 88 (64 bytes in base64). It may have been cut off when copied.`);
    }
    return { accountName: name, blobEndpoint: endpoint, auth: { kind: 'key', accountKey: key } };
  }
  if (sas !== undefined) return { accountName: name, blobEndpoint: endpoint, auth: { kind: 'sas', sasToken: checkSas(sas) } };
  throw new ConnectionInputError('The connection string has neither AccountKey nor SharedAccessSignature.');
}

/** Every storage account key is 512 bits. */
const ACCOUNT_KEY_BYTES = 64;

/** An account or container SAS URL: `https://acct.blob.core.windows.net[/container]?sv=…&sig=…`. Throws ConnectionInputError only. */
export function parseSasUrl(input: string): StorageTarget {
  return inputErrorsOnly(() => parseSasUrlUnchecked(input));
}

function parseSasUrlUnchecked(input: string): StorageTarget {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new ConnectionInputError('The SAS URL is not a valid URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConnectionInputError('The SAS URL must start with https://.');
  if (!url.search) throw new ConnectionInputError('The URL has no SAS token (the part after "?"). Copy the whole "Blob SAS URL".');
  const sasToken = checkSas(url.search);
  let segments: string[];
  try {
    segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new ConnectionInputError('The SAS URL\'s path has an invalid %-escape: copy the whole "Blob SAS URL" again.');
  }
  // Path-style endpoints (the emulator, custom domains on an IP) carry the account first.
  const pathStyle = isPathStyleHost(url.hostname);
  const accountName = pathStyle ? segments.shift() : accountNameFromEndpoint(url.origin);
  if (!accountName) throw new ConnectionInputError('The SAS URL does not name a storage account.');
  checkAccountName(accountName);
  if (segments.length > 1) throw new ConnectionInputError('Use an account or container SAS URL, not one for a single blob.');
  const blobEndpoint = pathStyle ? `${url.origin}/${accountName}` : url.origin;
  return { accountName, blobEndpoint, auth: { kind: 'sas', sasToken }, container: segments[0] };
}

/** The account in `https://acct.blob.core.windows.net` or `http://127.0.0.1:10000/acct`. */
export function accountNameFromEndpoint(endpoint: string): string | undefined {
  const url = new URL(endpoint);
  if (isPathStyleHost(url.hostname)) return url.pathname.split('/').filter(Boolean)[0];
  const first = url.hostname.split('.')[0];
  return first && url.hostname.includes('.blob.') ? first : undefined;
}

/** The host adlfs/fsspec needs when it is not `<account>.blob.core.windows.net`; undefined for the public cloud. */
export function accountHostFor(target: StorageTarget): string | undefined {
  const url = new URL(target.blobEndpoint);
  const publicHost = `${target.accountName}.blob.core.windows.net`;
  if (url.host.toLowerCase() === publicHost && url.pathname.replace(/\/$/, '') === '') return undefined;
  return `${url.host}${url.pathname.replace(/\/$/, '')}`;
}

function isPathStyleHost(hostname: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(hostname) || hostname === 'localhost' || hostname.startsWith('[') || !hostname.includes('.');
}

function checkEndpoint(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConnectionInputError(`${what} is not a valid URL: "${value}".`); // redacted by ConnectionInputError
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConnectionInputError(`${what} must be an http(s) URL.`);
  if (url.search) throw new ConnectionInputError(`${what} must not contain a query; put the SAS in SharedAccessSignature.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function checkAccountName(name: string): void {
  if (!/^[a-z0-9]{3,24}$/.test(name)) {
    throw new ConnectionInputError(`"${name}" is not a storage account name (3–24 lowercase letters and digits).`);
  }
}

/** Validates a SAS token and returns it without the leading "?". Expired ones are refused here. */
export function checkSas(input: string, now = Date.now()): string {
  const token = input.trim().replace(/^\?/, '');
  const params = new URLSearchParams(token);
  if (!params.get('sig')) throw new ConnectionInputError('The SAS token has no signature ("sig="); it may have been cut off when copied.');
  if (!params.get('sv')) throw new ConnectionInputError('The SAS token has no service version ("sv=").');
  const se = params.get('se');
  if (se) {
    const expiry = Date.parse(se);
    if (Number.isNaN(expiry)) throw new ConnectionInputError(`The SAS expiry "se=${se}" is not a date.`);
    if (expiry <= now) throw new ConnectionInputError(`The SAS expired on ${new Date(expiry).toISOString()}. Create a new one.`);
  }
  return token;
}

/** A connection string for a target with a key or SAS, as apps and adlfs read it. */
export function connectionStringFor(target: StorageTarget): string | undefined {
  if (target.auth.kind === 'key') {
    return `DefaultEndpointsProtocol=${new URL(target.blobEndpoint).protocol.replace(':', '')};AccountName=${target.accountName};AccountKey=${target.auth.accountKey};BlobEndpoint=${target.blobEndpoint};`;
  }
  if (target.auth.kind === 'sas') return `BlobEndpoint=${target.blobEndpoint};SharedAccessSignature=${target.auth.sasToken}`;
  return undefined;
}

/**
 * Text with any `sig=…`, `AccountKey=…`, bearer token, JWT or SAS signature removed. Linear in
 * the text's length: every pattern is a run of one character class after a fixed prefix.
 */
export function redact(text: string): string {
  return text
    .replace(/(AccountKey=)[^;\s"']+/gi, '$1***')
    .replace(/(SharedAccessSignature=)[^;\s"']+/gi, '$1***')
    .replace(/(\bsig=)[^&;\s"']+/gi, '$1***')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***')
    .replace(/[A-Za-z0-9_.-]{16,}/g, redactJwts);
}

/** JWTs (`eyJ….….…`) inside one run of base64url characters and dots. */
function redactJwts(run: string): string {
  if (!run.includes('eyJ')) return run;
  const parts = run.split('.');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    // A header segment: "eyJ" and at least 10 more characters, at the start or after a "-".
    const header = i + 1 < parts.length && parts[i + 1] ? /(?:^|-)eyJ[A-Za-z0-9_-]{10,}$/.exec(part) : null;
    if (!header) {
      out.push(part);
      continue;
    }
    const start = header.index + (part[header.index] === '-' ? 1 : 0);
    out.push(`${part.slice(0, start)}***`);
    i += i + 2 < parts.length ? 2 : 1; // the payload, and the signature when there is one
  }
  return out.join('.');
}

/** Container names: 3–63 of lowercase letters, digits and single hyphens, starting with a letter or digit. */
export function checkContainerName(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'A container name has 3 to 63 characters.';
  if (!/^[a-z0-9-]+$/.test(name)) return 'A container name has only lowercase letters, digits and hyphens.';
  if (!/^[a-z0-9]/.test(name) || name.endsWith('-')) return 'A container name starts and ends with a letter or digit.';
  if (name.includes('--')) return 'A container name cannot have two hyphens in a row.';
  return undefined;
}
