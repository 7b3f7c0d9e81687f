// The local storage emulator: finding the Azurite npm package, telling whether Azurite
// already answers on a port, and starting its blob service as a managed process tree.
// No `vscode` import.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Logger } from '../core/log';
import { isPortFree } from '../core/ports';
import { probe } from '../core/readiness';
import { ManagedProcess, type ExitInfo } from '../core/process';
import { TextTail } from '../core/tail';

/** Relative to the `azurite` package folder. */
const BLOB_MAIN = path.join('dist', 'src', 'blob', 'main.js');

export class AzuriteNotFoundError extends Error {
  override readonly name = 'AzuriteNotFoundError';
  constructor(readonly searched: string[]) {
    super(
      'Azurite (the storage emulator) is not installed. Install it with "npm install -g azurite", or into the workspace with "npm install --save-dev azurite", or set dataAppPreview.azure.azuritePath.',
    );
  }
}

export class AzuriteStartError extends Error {
  override readonly name = 'AzuriteStartError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** The blob service's main.js from a setting (package folder or file), or a known place. */
export function findAzurite(opts: { setting?: string; workspaceFolders: readonly string[]; pathEnv?: string; npmGlobalRoot?: () => string | undefined }): string {
  const candidates: string[] = [];
  const fromPackageDir = (dir: string) => path.join(dir, BLOB_MAIN);
  if (opts.setting) {
    const s = opts.setting;
    candidates.push(s.endsWith('.js') ? s : fromPackageDir(s));
  }
  for (const w of opts.workspaceFolders) candidates.push(fromPackageDir(path.join(w, 'node_modules', 'azurite')));
  for (const dir of (opts.pathEnv ?? process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const bin = path.join(dir, 'azurite-blob');
    try {
      // node_modules/.bin/azurite-blob → ../azurite/dist/src/azurite-blob.js (or similar)
      const real = fs.realpathSync(bin);
      const pkg = real.slice(0, real.lastIndexOf(`${path.sep}dist${path.sep}`));
      if (pkg) candidates.push(fromPackageDir(pkg));
    } catch {
      // not on this PATH entry
    }
  }
  const globalRoot = (opts.npmGlobalRoot ?? npmGlobalRoot)();
  if (globalRoot) candidates.push(fromPackageDir(path.join(globalRoot, 'azurite')));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new AzuriteNotFoundError(candidates);
  return found;
}

function npmGlobalRoot(): string | undefined {
  try {
    // npm is npm.cmd on Windows, which Node spawns only through a shell (fixed arguments: nothing to quote).
    const windows = process.platform === 'win32';
    const r = spawnSync(windows ? 'npm.cmd' : 'npm', ['root', '-g'], { encoding: 'utf8', timeout: 5000, shell: windows });
    const out = r.stdout?.trim();
    return r.status === 0 && out ? out : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves with the Azurite version if Azurite's blob service answers at `host:port`, else undefined. */
export async function probeAzurite(port: number, host = '127.0.0.1', timeoutMs = 1500): Promise<string | undefined> {
  const res = await probe(`http://${host}:${port}/devstoreaccount1?comp=list`, timeoutMs);
  return /Azurite-Blob\/(\S+)/.exec(String(res?.headers.server ?? ''))?.[1];
}

export interface AzuriteOptions {
  readonly mainJs: string;
  readonly port: number;
  readonly host?: string;
  /** Folder for its data; omitted: in memory (lost when it stops). */
  readonly location?: string | undefined;
  /** HTTPS with this certificate and key, and OAuth ("basic": checks expiry, issuer, audience). */
  readonly https?: { readonly cert: string; readonly key: string; readonly oauth?: boolean } | undefined;
  /** A node binary; defaults to this process's (an Electron host runs it as node). */
  readonly nodePath?: string;
  readonly log?: Logger;
  readonly startTimeoutMs?: number;
}

/** The blob service's arguments. Telemetry off (offline it would never exit) and no API version check. */
export function azuriteArgs(o: AzuriteOptions): string[] {
  const args = [o.mainJs, '--blobHost', o.host ?? '127.0.0.1', '--blobPort', String(o.port), '--disableTelemetry', '--skipApiVersionCheck', '--loose'];
  if (o.location) args.push('--location', o.location);
  else args.push('--inMemoryPersistence');
  if (o.https) {
    args.push('--cert', o.https.cert, '--key', o.https.key);
    if (o.https.oauth) args.push('--oauth', 'basic');
  }
  return args;
}

export class AzuriteServer {
  private constructor(
    readonly process: ManagedProcess,
    readonly port: number,
    readonly endpoint: string,
  ) {}

  get exited(): Promise<ExitInfo> {
    return this.process.exited;
  }

  /** Starts Azurite's blob service and waits until it answers (raced against its exit). */
  static async start(o: AzuriteOptions): Promise<AzuriteServer> {
    if (!(await isPortFree(o.port, o.host ?? '127.0.0.1'))) {
      throw new AzuriteStartError(`Port ${o.port} is taken by another program; set dataAppPreview.azure.emulatorPort to a free port.`, '');
    }
    if (o.location) await fs.promises.mkdir(o.location, { recursive: true });
    const tail = new TextTail(64 * 1024);
    const proc = await ManagedProcess.spawn(o.nodePath ?? process.execPath, azuriteArgs(o), {
      cwd: o.location ?? path.dirname(o.mainJs),
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      onStdout: (t) => tail.push(t),
      onStderr: (t) => tail.push(t),
    });
    const host = o.host ?? '127.0.0.1';
    const scheme = o.https ? 'https' : 'http';
    const server = new AzuriteServer(proc, o.port, `${scheme}://${host}:${o.port}/devstoreaccount1`);
    const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
    let exited = false;
    void proc.exited.then(() => (exited = true));
    while (Date.now() < deadline && !exited) {
      if (await tcpAccepts(o.port, host)) {
        o.log?.info(`Azurite started on ${host}:${o.port} (pid ${proc.pid})`);
        return server;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await proc.stop({ graceMs: 2000 });
    const output = tail.lastLines(20);
    if (exited) {
      const inUse = /EADDRINUSE|address already in use/i.test(output);
      throw new AzuriteStartError(
        inUse
          ? `Port ${o.port} is taken by another program; set dataAppPreview.azure.emulatorPort to a free port.`
          : `Azurite exited while starting: ${output.trim().split('\n').pop() ?? ''}`,
        output,
      );
    }
    throw new AzuriteStartError(`Azurite did not answer on port ${o.port} within ${Math.round((o.startTimeoutMs ?? 30_000) / 1000)} s.`, output);
  }

  async stop(): Promise<void> {
    await this.process.stop({ graceMs: 3000 });
  }
}

/** Whether something accepts TCP connections there (HTTP or HTTPS alike). */
function tcpAccepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
