// Azure test environment: real Azurite (the npm package) on loopback, over HTTP or over
// HTTPS with OAuth and a certificate made here, and a TokenCredential that stands in for
// Microsoft Entra ID, which cannot be reached from this machine.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  ContainerSASPermissions,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
  type BlobServiceClient,
} from '@azure/storage-blob';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AzuriteServer } from '../../src/azure/azurite';
import { previewEnvironment } from '../../src/azure/childenv';
import { EMULATOR_ACCOUNT, EMULATOR_KEY, type StorageTarget } from '../../src/azure/connection';
import { pickFreePort } from '../../src/core/ports';

export const AZURITE_MAIN = path.resolve(__dirname, '../../../node_modules/azurite/dist/src/blob/main.js');
export const AZURE_FIXTURES = path.resolve(__dirname, '../../../test/fixtures/azure');

export interface TestAzurite {
  readonly server: AzuriteServer;
  readonly endpoint: string;
  readonly port: number;
  /** PEM of the self-signed certificate (HTTPS only). */
  readonly certFile?: string;
  readonly ca?: string;
  stop(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export async function startAzurite(opts: { https?: boolean } = {}): Promise<TestAzurite> {
  const port = await pickFreePort();
  let certFile: string | undefined;
  let httpsOpts: { cert: string; key: string; oauth: boolean } | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-azurite-'));
  if (opts.https) {
    const { cert, key } = makeCertificate(dir);
    certFile = cert;
    httpsOpts = { cert, key, oauth: true };
  }
  const server = await AzuriteServer.start({ mainJs: AZURITE_MAIN, port, https: httpsOpts, startTimeoutMs: 60_000 });
  return {
    server,
    port,
    endpoint: server.endpoint,
    ...(certFile ? { certFile, ca: fs.readFileSync(certFile, 'utf8') } : {}),
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function keyTarget(a: TestAzurite): StorageTarget {
  return { accountName: EMULATOR_ACCOUNT, blobEndpoint: a.endpoint, auth: { kind: 'key', accountKey: EMULATOR_KEY } };
}

export function tokenTarget(a: TestAzurite): StorageTarget {
  return { accountName: EMULATOR_ACCOUNT, blobEndpoint: a.endpoint, auth: { kind: 'token', identity: 'test-user' } };
}

/**
 * Stands in for Microsoft Entra ID (unreachable here): mints unsigned JWTs that Azurite's
 * "basic" OAuth mode accepts (it checks issuer, audience and lifetime, not the signature).
 * Records every token it minted so tests can check none of them leaks.
 */
export class EmulatorTokenCredential implements TokenCredential {
  readonly minted: string[] = [];
  readonly tenant = randomUUID();
  readonly oid = randomUUID();
  calls = 0;
  constructor(
    public delayMs = 0,
    private readonly lifetimeS = 3600,
  ) {}

  async getToken(_scopes: string | string[], options?: { abortSignal?: AbortSignal }): Promise<AccessToken> {
    this.calls++;
    if (this.delayMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.delayMs);
        options?.abortSignal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(Object.assign(new Error('The token request was aborted.'), { name: 'AbortError' }));
        });
      });
    }
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({
      aud: 'https://storage.azure.com',
      iss: `https://sts.windows.net/${this.tenant}/`,
      iat: now - 60,
      nbf: now - 60,
      exp: now + this.lifetimeS,
      oid: this.oid,
      tid: this.tenant,
      sub: this.oid,
    })}.${Buffer.from(randomUUID()).toString('base64url')}`;
    this.minted.push(token);
    return { token, expiresOnTimestamp: (now + this.lifetimeS) * 1000 };
  }
}

/** Read-and-list SAS URLs for the emulator's account and for one container, valid for an hour. */
export function emulatorSasUrls(a: TestAzurite, container: string): { account: string; container: string } {
  const key = new StorageSharedKeyCredential(EMULATOR_ACCOUNT, EMULATOR_KEY);
  const expiresOn = new Date(Date.now() + 3_600_000);
  const accountSas = generateAccountSASQueryParameters(
    {
      expiresOn,
      permissions: AccountSASPermissions.parse('rl'),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      services: AccountSASServices.parse('b').toString(),
    },
    key,
  ).toString();
  const containerSas = generateBlobSASQueryParameters({ containerName: container, permissions: ContainerSASPermissions.parse('rl'), expiresOn }, key).toString();
  return { account: `${a.endpoint}?${accountSas}`, container: `${a.endpoint}/${container}?${containerSas}` };
}

const EXAMPLE_CSV = path.resolve(__dirname, '../../../examples/data/sales.csv');

/** The examples' data (what `npm start` gives the Azure example): data/sales.csv in a "sales" container. */
export async function putExampleSales(client: BlobServiceClient): Promise<void> {
  const container = client.getContainerClient('sales');
  await container.createIfNotExists();
  const csv = fs.readFileSync(EXAMPLE_CSV);
  await container.getBlockBlobClient('data/sales.csv').upload(csv, csv.length);
}

/** The variables the extension sets for an app run on the emulator's "sales" container (its removals left out). */
export function emulatorAppEnv(a: TestAzurite): Record<string, string> {
  const env = previewEnvironment({ target: keyTarget(a), container: 'sales' });
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== null));
}
