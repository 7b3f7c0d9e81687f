// Pure Azure pieces: connection input, error messages, the child's environment, run scopes
// and the token endpoint's protocol. The credentials here are in-process stand-ins (Entra
// cannot be reached from this machine); the real Python client runs in the integration tests.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { test } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { withRunEnv } from '../../src/core/env';
import { silentLogger } from '../../src/core/log';
import { isStorageResource, MIN_TOKEN_LIFETIME_MS, TokenBroker } from '../../src/azure/broker';
import { previewEnvironment, SHADOWING_VARIABLES } from '../../src/azure/childenv';
import {
  accountHostFor,
  checkContainerName,
  ConnectionInputError,
  connectionStringFor,
  EMULATOR_KEY,
  emulatorTarget,
  parseConnectionString,
  parseSasUrl,
  redact,
} from '../../src/azure/connection';
import { describeProblem, roleFor } from '../../src/azure/errors';
import { formatSize } from '../../src/azure/blobs';
import { RunScope, ScopeClosedError } from '../../src/azure/scope';

const KEY = Buffer.alloc(64, 7).toString('base64');
const future = new Date(Date.now() + 86_400_000).toISOString();

test('connection strings: key, SAS, emulator and endpoints', () => {
  const t = parseConnectionString(`DefaultEndpointsProtocol=https;AccountName=mydata;AccountKey=${KEY};EndpointSuffix=core.windows.net`);
  assert.deepEqual(t, { accountName: 'mydata', blobEndpoint: 'https://mydata.blob.core.windows.net', auth: { kind: 'key', accountKey: KEY } });
  const cn = parseConnectionString(`AccountName=mydata;AccountKey=${KEY};EndpointSuffix=core.chinacloudapi.cn`);
  assert.equal(cn.blobEndpoint, 'https://mydata.blob.core.chinacloudapi.cn');
  const sas = parseConnectionString(`BlobEndpoint=https://mydata.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&se=${future}&sig=abc%3D`);
  assert.equal(sas.accountName, 'mydata');
  assert.equal(sas.blobEndpoint, 'https://mydata.blob.core.windows.net');
  assert.equal(sas.auth.kind, 'sas');
  const emu = parseConnectionString('UseDevelopmentStorage=true', 10123);
  assert.equal(emu.blobEndpoint, 'http://127.0.0.1:10123/devstoreaccount1');
  const pathStyle = parseConnectionString(
    `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${EMULATOR_KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`,
  );
  assert.equal(pathStyle.accountName, 'devstoreaccount1');
  assert.equal(pathStyle.blobEndpoint, 'http://127.0.0.1:10000/devstoreaccount1');
  // What we hand to apps parses back to the same target.
  assert.deepEqual(parseConnectionString(connectionStringFor(t)!), t);
  assert.deepEqual(parseConnectionString(connectionStringFor(pathStyle)!), pathStyle);
});

test('malformed connection strings and SAS URLs say what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['AccountName=mydata', /neither AccountKey nor SharedAccessSignature/],
    [`AccountKey=${KEY}`, /neither AccountName nor BlobEndpoint/],
    ['AccountName=mydata;AccountKey=abc$%', /not a valid base64 key/],
    [`AccountName=My_Data;AccountKey=${KEY}`, /not a storage account name/],
    [`AccountName=mydata;AccountKey=${KEY};Foo=bar`, /unknown setting in its 3rd part/],
    ['just some text', /not a list of "name=value" settings/],
    [`AccountName=mydata;AccountKey=${KEY};SharedAccessSignature=sv=1&sig=x`, /both AccountKey and SharedAccessSignature/],
    ['BlobEndpoint=https://abc.blob.core.windows.net;SharedAccessSignature=sv=2022-11-02&se=2020-01-01T00:00:00Z&sig=x', /expired on 2020-01-01/],
    ['BlobEndpoint=https://a1b.blob.core.windows.net;SharedAccessSignature=sv=2022-11-02', /no signature/],
  ];
  for (const [input, msg] of cases) {
    assert.throws(
      () => parseConnectionString(input),
      (e: Error) => e instanceof ConnectionInputError && msg.test(e.message),
      input,
    );
  }
  assert.throws(() => parseSasUrl('https://mydata.blob.core.windows.net/c'), /no SAS token/);
  assert.throws(() => parseSasUrl(`https://mydata.blob.core.windows.net/c/d/e.csv?sv=1&sig=x&se=${future}`), /not one for a single blob/);
  assert.throws(() => parseSasUrl('ftp://x'), /https/);
});

test('SAS URLs: account and container, virtual-host and path style', () => {
  const acct = parseSasUrl(`https://mydata.blob.core.windows.net/?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=${future}&sig=s1g`);
  assert.equal(acct.accountName, 'mydata');
  assert.equal(acct.container, undefined);
  const cont = parseSasUrl(`http://127.0.0.1:10000/devstoreaccount1/sales?sv=2022-11-02&sr=c&sp=rl&se=${future}&sig=s1g`);
  assert.equal(cont.accountName, 'devstoreaccount1');
  assert.equal(cont.blobEndpoint, 'http://127.0.0.1:10000/devstoreaccount1');
  assert.equal(cont.container, 'sales');
  assert.equal(accountHostFor(cont), '127.0.0.1:10000/devstoreaccount1');
  assert.equal(accountHostFor(acct), undefined);
});

test('redact removes keys, signatures and bearer tokens', () => {
  const s = redact(`AccountKey=${KEY}; url?sv=1&sig=SECRET123&x=1 Authorization: Bearer eyJabc.def.ghi and eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.`);
  assert.ok(!s.includes(KEY) && !s.includes('SECRET123') && !s.includes('eyJabc') && !s.includes('eyJhbGciOiJub25lIn0'), s);
});

test('container names are checked before any request', () => {
  assert.equal(checkContainerName('sales-2024'), undefined);
  assert.match(checkContainerName('ab')!, /3 to 63/);
  assert.match(checkContainerName('Sales')!, /lowercase/);
  assert.match(checkContainerName('-sales')!, /starts and ends/);
  assert.match(checkContainerName('a--b')!, /two hyphens/);
});

test('errors name the missing role, shared-key-disabled accounts, expired sign-in, and an emulator that is down', () => {
  const base = { accountName: 'mydata', auth: 'token' as const };
  const forbidden = { statusCode: 403, code: 'AuthorizationPermissionMismatch', message: 'This request is not authorized' };
  const read = describeProblem(forbidden, { ...base, operation: 'read' });
  assert.equal(read.kind, 'forbidden-role');
  assert.match(read.message, /Storage Blob Data Reader/);
  assert.match(describeProblem(forbidden, { ...base, operation: 'write' }).message, /Storage Blob Data Contributor/);
  assert.equal(roleFor('delete'), 'Storage Blob Data Contributor');
  const sk = describeProblem(
    { statusCode: 403, code: 'KeyBasedAuthenticationNotPermitted', message: 'Key based authentication is not permitted' },
    { ...base, auth: 'key', operation: 'list' },
  );
  assert.equal(sk.kind, 'shared-key-disabled');
  assert.match(sk.message, /Shared key access is disabled on mydata/);
  assert.equal(describeProblem({ name: 'AuthenticationRequiredError', message: 'interaction required' }, { ...base, operation: 'list' }).kind, 'signin-expired');
  assert.equal(describeProblem({ statusCode: 401, code: 'InvalidAuthenticationInfo', message: 'expired' }, { ...base, operation: 'list' }).kind, 'signin-expired');
  const sas = describeProblem({ statusCode: 403, code: 'AuthorizationFailure', message: 'x' }, { ...base, auth: 'sas', operation: 'write' });
  assert.equal(sas.kind, 'forbidden-sas');
  const down = describeProblem(
    { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:10000' },
    { ...base, auth: 'key', operation: 'list', emulator: true, endpoint: 'http://127.0.0.1:10000/devstoreaccount1' },
  );
  assert.equal(down.kind, 'emulator-down');
  assert.match(down.message, /Start Azurite/);
  const net = describeProblem({ code: 'REQUEST_SEND_ERROR', message: 'getaddrinfo ENOTFOUND mydata.blob.core.windows.net' }, { ...base, operation: 'list' });
  assert.equal(net.kind, 'network');
  assert.match(net.message, /ENOTFOUND/);
  // A message with a SAS in it is not repeated verbatim.
  const other = describeProblem({ statusCode: 500, message: 'failed https://x/?sv=1&sig=TOPSECRET' }, { ...base, operation: 'read' });
  assert.ok(!other.message.includes('TOPSECRET'));
});

test('the child environment: scrubs shadowing variables and sets account, container and credentials', () => {
  const grant = { endpoint: 'http://127.0.0.1:4567/msi/token', secret: 's3cret' };
  const tokenTarget = { accountName: 'mydata', blobEndpoint: 'https://mydata.blob.core.windows.net', auth: { kind: 'token' as const, identity: 'me' } };
  const env = previewEnvironment({ target: tokenTarget, container: 'sales' }, grant);
  for (const k of SHADOWING_VARIABLES) if (k !== 'IDENTITY_ENDPOINT' && k !== 'IDENTITY_HEADER') assert.equal(env[k], null, k);
  assert.equal(env.IDENTITY_ENDPOINT, grant.endpoint);
  assert.equal(env.IDENTITY_HEADER, 's3cret');
  assert.equal(env.AZURE_STORAGE_ACCOUNT_NAME, 'mydata');
  assert.equal(env.AZURE_STORAGE_CONTAINER, 'sales');
  assert.equal(env.FSSPEC_ABFS_ACCOUNT_HOST, null); // public cloud: adlfs's default host is right
  const merged = withRunEnv({ PATH: '/bin', AZURE_CLIENT_SECRET: 'leak', IDENTITY_SERVER_THUMBPRINT: 'x', MSI_ENDPOINT: 'y' }, env);
  assert.equal(merged.AZURE_CLIENT_SECRET, undefined);
  assert.equal(merged.IDENTITY_SERVER_THUMBPRINT, undefined);
  assert.equal(merged.MSI_ENDPOINT, undefined);
  assert.equal(merged.PATH, '/bin');
  assert.ok(!('AZURE_STORAGE_CONTAINER' in withRunEnv({}, previewEnvironment({ target: tokenTarget }, grant))));
  assert.throws(() => previewEnvironment({ target: tokenTarget }), /token endpoint grant/);

  const emu = previewEnvironment({ target: emulatorTarget(10123) });
  assert.equal(emu.FSSPEC_ABFS_ACCOUNT_HOST, '127.0.0.1:10123/devstoreaccount1');
  assert.match(emu.AZURE_STORAGE_CONNECTION_STRING!, /^DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=/);
  assert.equal(emu.IDENTITY_HEADER, null);
});

test('a run scope drains what finishes in time and aborts the rest; closed scopes refuse work', async () => {
  const scope = new RunScope('r1');
  let revoked = false;
  scope.whenClosed(() => (revoked = true));
  const quick = scope.track(() => new Promise((r) => setTimeout(() => r('done'), 30)));
  const slow = scope.track((signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
  const result = await scope.close(200);
  assert.equal(revoked, true);
  assert.equal(result.drained, 1);
  assert.equal(result.aborted, 1);
  assert.equal(await quick, 'done');
  await assert.rejects(slow, ScopeClosedError);
  await assert.rejects(
    scope.track(async () => 1),
    ScopeClosedError,
  );
  assert.equal(scope.pending, 0);
});

class StandInCredential implements TokenCredential {
  calls = 0;
  constructor(
    private readonly lifetimesMs: number[],
    private readonly delayMs = 0,
  ) {}
  async getToken(): Promise<AccessToken> {
    const life = this.lifetimesMs[Math.min(this.calls, this.lifetimesMs.length - 1)]!;
    this.calls++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    return { token: `tok-${this.calls}`, expiresOnTimestamp: Date.now() + life };
  }
}

test('token endpoint protocol: secret, resource, lifetime, revocation', async () => {
  const broker = await TokenBroker.start(silentLogger);
  try {
    const scope = new RunScope('r1');
    const cred = new StandInCredential([3_600_000]);
    const secret = broker.grant('r1', cred, scope);
    const url = (q: string) => new URL(`${broker.endpoint}?api-version=2019-08-01&${q}`);
    const ok = await broker.answer('GET', url('resource=https://storage.azure.com'), { 'x-identity-header': secret });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.access_token, 'tok-1');
    assert.equal(ok.body.token_type, 'Bearer');
    assert.match(String(ok.body.expires_on), /^\d{10}$/);
    assert.ok(Number(ok.body.expires_on) * 1000 - Date.now() > MIN_TOKEN_LIFETIME_MS);
    assert.equal((await broker.answer('GET', url('resource=https://storage.azure.com/'), { 'x-identity-header': secret })).status, 200);
    assert.equal((await broker.answer('GET', url('resource=https://management.azure.com'), { 'x-identity-header': secret })).status, 400);
    assert.equal((await broker.answer('GET', url('resource=https://storage.azure.com'), { 'x-identity-header': `${secret}x` })).status, 401);
    assert.equal((await broker.answer('GET', url('resource=https://storage.azure.com'), { metadata: 'true' })).status, 400);
    assert.equal((await broker.answer('POST', url('resource=https://storage.azure.com'), { 'x-identity-header': secret })).status, 405);
    // Errors are {error: {code, message}} (azure-identity 1.13 crashes on a string "error").
    const bad = await broker.answer('GET', url('resource=https://storage.azure.com'), {});
    assert.equal(typeof (bad.body.error as { message: string }).message, 'string');
    // … and App Service's top-level statusCode and message (MSAL's client, azure-identity ≥ 1.19).
    assert.equal(bad.body.statusCode, 400);
    assert.equal(bad.body.message, (bad.body.error as { message: string }).message);
    await scope.close(100);
    const revoked = await broker.answer('GET', url('resource=https://storage.azure.com'), { 'x-identity-header': secret });
    assert.equal(revoked.status, 401);
    assert.equal(broker.servedTo('r1'), 0); // the grant is gone

    // A token with 5 minutes or less left is refreshed once, and refused if still short.
    const s2 = new RunScope('r2');
    const shortThenLong = new StandInCredential([60_000, 3_600_000]);
    const sec2 = broker.grant('r2', shortThenLong, s2);
    const r2 = await broker.answer('GET', url('resource=https://storage.azure.com'), { 'x-identity-header': sec2 });
    assert.equal(r2.status, 200);
    assert.equal(shortThenLong.calls, 2);
    const s3 = new RunScope('r3');
    const sec3 = broker.grant('r3', new StandInCredential([299_000]), s3);
    assert.equal((await broker.answer('GET', url('resource=https://storage.azure.com'), { 'x-identity-header': sec3 })).status, 503);
    assert.ok(isStorageResource('https://storage.azure.com/.default'));
    assert.ok(!isStorageResource('https://storage.azure.com.evil.example'));
  } finally {
    await broker.close();
  }
});

test('sizes read like a file manager', () => {
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(1536), '1.5 KB');
  assert.equal(formatSize(15 * 1024 * 1024), '15 MB');
});

test('token endpoint: idle connections from a process without the secret are capped and time out; a real client still gets its token', async () => {
  const broker = await TokenBroker.start(silentLogger, { maxConnections: 8, headersTimeoutMs: 400, idleTimeoutMs: 400 });
  const sockets: net.Socket[] = [];
  try {
    const { port } = new URL(broker.endpoint);
    const closedByServer = new Set<net.Socket>();
    for (let i = 0; i < 100; i++) {
      const s = net.connect(Number(port), '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closedByServer.add(s));
      sockets.push(s);
    }
    await Promise.all(sockets.map((s) => new Promise((r) => (s.connecting ? s.once('connect', r).once('close', r) : r(undefined)))));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(100 - closedByServer.size <= 8, `at most 8 held open (${100 - closedByServer.size})`);
    // The held ones never sent a request: they are closed after the header timeout.
    const deadline = Date.now() + 20_000; // 400 ms plus the server's check interval; generous for a loaded machine
    while (closedByServer.size < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(closedByServer.size, 100, `every idle connection was closed (${closedByServer.size} of 100 after ${Math.round((Date.now() - deadline + 20_000) / 1000)} s)`);
    const scope = new RunScope('r1');
    const secret = broker.grant('r1', new StandInCredential([3_600_000]), scope);
    const res = await fetch(`${broker.endpoint}?api-version=2019-08-01&resource=https://storage.azure.com`, { headers: { 'x-identity-header': secret } });
    assert.equal(res.status, 200);
  } finally {
    for (const s of sockets) s.destroy();
    await broker.close();
  }
});

test('connection input errors never echo a key or signature, and every bad input is a ConnectionInputError', () => {
  const sig = 'SIGSECRET0123456789abcdef';
  const RKEY = randomBytes(64).toString('base64');
  const keyHalf = RKEY.slice(0, 40);
  const cases: Array<[string, RegExp]> = [
    // An invalid BlobEndpoint that carries a SAS.
    [`BlobEndpoint=ht!tp://x y/?sv=2024-01-01&sig=${sig};SharedAccessSignature=sv=2024-01-01&sig=${sig}`, /BlobEndpoint is not a valid URL/],
    // A stray ";" inside the key: its second half becomes a "setting".
    [`AccountName=mydata;AccountKey=${keyHalf};${RKEY.slice(40)}`, /4th part|3rd part/],
    [`AccountName=mydata;AccountKey=${keyHalf}=;x${RKEY.slice(41)}=y`, /unknown setting in its 3rd part/],
    [`${RKEY};AccountName=mydata`, /first part/],
  ];
  for (const [input, expected] of cases) {
    let err: unknown;
    try {
      parseConnectionString(input);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConnectionInputError, `${input}: ${String(err)}`);
    assert.match(err.message, expected);
    assert.ok(!err.message.includes(sig), err.message);
    for (let i = 0; i + 6 <= RKEY.length; i++) assert.ok(!err.message.includes(RKEY.slice(i, i + 6)), `echoes key characters: ${err.message}`);
  }
  // A bad %-escape in a SAS URL's path is our input error, not a URIError.
  assert.throws(
    () => parseSasUrl(`https://mydata.blob.core.windows.net/%E0%A4%A?sv=2024-01-01&sig=${sig}`),
    (e: Error) => e instanceof ConnectionInputError && /%-escape/.test(e.message) && !e.message.includes(sig),
  );
  // A key cut at a multiple of 4 characters is refused, with its length.
  assert.throws(() => parseConnectionString(`AccountName=mydata;AccountKey=${RKEY.slice(0, 84)}`), /84 characters long; a storage account key is 88/);
  assert.equal(parseConnectionString(`AccountName=mydata;AccountKey=${RKEY}`).auth.kind, 'key');
});

test('redact is linear: adversarial input of 640,000 characters takes well under a second (the old one: minutes)', () => {
  for (const unit of ['eyJ-', 'eyJa.', 'sig=sig=', 'Bearer ', 'AccountKey=', 'eyJaaaaaaaaaaaa-']) {
    const text = unit.repeat(Math.ceil(640_000 / unit.length));
    const t0 = performance.now();
    redact(text);
    const ms = performance.now() - t0;
    assert.ok(ms < 3000, `${JSON.stringify(unit)} × ${text.length / unit.length}: ${Math.round(ms)} ms`);
  }
  // Still redacts a JWT after a "-" and inside longer text, and leaves other dotted words alone.
  const jwt = 'eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.c2ln';
  assert.equal(redact(`token-${jwt} then file.name.py`), 'token-*** then file.name.py');
});
