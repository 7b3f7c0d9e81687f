// Forwarded origins and paths (code-server's /proxy/<port>/, Codespaces, Remote-SSH): what each
// framework must be told so that its page and websockets work from a browser on another origin.
// No `vscode` import.
/** `host:port` of a forwarded origin (Panel and Bokeh list hosts, not origins). */
const hostOf = (origin: string): string => {
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
};

/** Bokeh and Panel's `--allow-websocket-origin` flags: the loopback host:port, localhost, and each forwarded origin's host. */
export const websocketOriginArgs = (ctx: { readonly host: string; readonly port: number; readonly extraOrigins?: readonly string[] | undefined }): string[] => {
  const origins = [`${ctx.host}:${ctx.port}`, `localhost:${ctx.port}`, ...(ctx.extraOrigins ?? []).map(hostOf)];
  return [...new Set(origins)].flatMap((o) => ['--allow-websocket-origin', o]);
};

/** The front proxy's own origins on loopback: pages the preview and Open in Browser load come from there. */
export const frontOrigins = (host: string, port: number): string[] => [`http://${host}:${port}`, `http://localhost:${port}`];

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Voilà (Jupyter server) forbids framing by default, and the preview is a frame in a webview.
 * Its websockets accept an Origin other than the Host only when `allow_origin_pat` matches it.
 */
export function voilaTornadoSettings(extraOrigins: readonly string[] = []): string {
  const settings: Record<string, unknown> = {
    headers: { 'Content-Security-Policy': "frame-ancestors 'self' * vscode-webview: vscode-file: https: http:" },
  };
  if (extraOrigins.length) settings.allow_origin_pat = `^(?:${extraOrigins.map((o) => escapeRegExp(o.toLowerCase())).join('|')})$`; // it lowercases the Origin
  return JSON.stringify(settings);
}

/**
 * The forwarded path prefix (`/proxy/8123/`), when the browser's URL has one. The forwarder
 * strips it, so the app serves at `/` but must build its own URLs under it.
 */
export function forwardedPrefix(ctx: { readonly forwardedPath?: string | undefined }): string | undefined {
  const p = ctx.forwardedPath?.trim();
  if (!p || p === '/') return undefined;
  return '/' + p.replace(/^\/+|\/+$/g, '') + '/';
}
