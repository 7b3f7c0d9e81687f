// Port picking on loopback. No `vscode` import.
import * as net from 'node:net';
export { looksLikePortInUse } from './failures';

/** A port the OS says is free right now (`listen(0)`), on `host`. */
export function pickFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('The OS gave no port'))));
    });
  });
}

/** Whether `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(readonly port: number) {
    super(
      `Port ${port} is already in use by another program. Stop that program, choose another port in ` +
        `the "dataAppPreview.port" setting, or set it to 0 to pick a free port automatically.`,
    );
  }
}

/**
 * The port for the next run: the fixed setting (busy: PortInUseError), else the one this app had
 * (kept across restarts, unless it is `avoid` or taken now), else a free one.
 */
export async function choosePort(o: {
  preferred: number;
  remembered: number | undefined;
  host: string;
  avoid?: number | undefined;
  log: { info(m: string): void };
}): Promise<number> {
  const fixed = o.preferred > 0;
  const candidate = fixed ? o.preferred : o.remembered;
  if (candidate && candidate !== o.avoid) {
    if (await isPortFree(candidate, o.host)) return candidate;
    if (fixed) throw new PortInUseError(candidate);
    o.log.info(`Port ${candidate} is taken now; picking another`);
  } else if (fixed) {
    throw new PortInUseError(o.preferred);
  }
  return pickFreePort(o.host);
}

/**
 * Runs `launchOn` on a chosen port; when it reports `'port-in-use'` (another program bound the
 * port between the check and the server's bind), tries another, `attempts` times in all. A fixed
 * port is not replaced. Resolves with what `launchOn` gave, or the error to fail with.
 */
export async function onFreePort<T>(
  choice: Parameters<typeof choosePort>[0] & { readonly log: { info(m: string): void; warn(m: string): void } },
  attempts: number,
  launchOn: (port: number) => Promise<T | 'port-in-use'>,
): Promise<T | { portError: Error }> {
  let avoid = choice.avoid;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let port: number;
    try {
      port = await choosePort({ ...choice, avoid });
    } catch (e) {
      return { portError: e as Error };
    }
    const outcome = await launchOn(port);
    if (outcome !== 'port-in-use') return outcome;
    if (choice.preferred > 0) return { portError: new PortInUseError(port) };
    choice.log.warn(`Port ${port} was taken before the server could bind it; trying another`);
    avoid = port;
  }
  return {
    portError: new Error(
      `Could not find a free port after ${attempts} attempts: another program keeps taking the ports picked. Close programs that open many ports, then start the app again.`,
    ),
  };
}
