// The preview's HTML with a strict CSP. No `vscode` import: the caller passes URIs as strings.
import { randomBytes } from 'node:crypto';
import { PREVIEW_FRAME_NAME } from '../core/page-client';
import { stateLabel, type StatusMessage } from './protocol';

export interface PreviewHtmlInput {
  /** webview.cspSource */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly codiconsUri: string;
  /** Exact origins (scheme://host:port) the app iframe may load. */
  readonly frameOrigins: readonly string[];
  readonly initial: StatusMessage;
  /** For tests; otherwise 16 random bytes. */
  readonly nonce?: string;
  /** The panel's secret: every message of the host carries it (the app's page cannot read it). */
  readonly token: string;
}

export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Only scheme://host[:port] survives; anything else is dropped from frame-src. */
export function toOrigin(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

export function buildCsp(cspSource: string, nonce: string, frameOrigins: readonly string[]): string {
  const frames = [...new Set(frameOrigins.map(toOrigin).filter((o): o is string => !!o))];
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `frame-src ${frames.length ? frames.join(' ') : "'none'"}`,
  ].join('; ');
}

export function buildPreviewHtml(input: PreviewHtmlInput): string {
  const nonce = input.nonce ?? makeNonce();
  const csp = buildCsp(input.cspSource, nonce, input.frameOrigins);
  const initial = escapeHtml(JSON.stringify(input.initial));
  const title = escapeHtml(input.initial.appName);
  // The overlay shows from the first frame, before the script has run.
  const state = input.initial.state;
  const label = escapeHtml(stateLabel(state, input.initial.error?.kind));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(input.codiconsUri)}">
<link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
<title>${title}</title>
</head>
<body data-initial="${initial}" data-token="${escapeHtml(input.token)}">
<header class="toolbar" role="toolbar" aria-label="App preview">
  <span id="state" class="state state-${state}" role="status" aria-live="polite">${label}</span>
  <span id="toolbar-text" class="toolbar-text"><span id="title" class="title">${title}</span> <span id="detail" class="detail"></span></span>
  <button id="btn-reload" data-action="reload" title="Reload the page (the server keeps running)" aria-label="Reload page"><i class="codicon codicon-refresh"></i></button>
  <button id="btn-debug" data-action="debug" title="Debug the app: every run starts under the debugger" aria-label="Debug app" aria-pressed="false"><i class="codicon codicon-debug-alt"></i></button>
  <button id="btn-restart" data-action="restart" title="Restart the app server" aria-label="Restart server"><i class="codicon codicon-debug-restart"></i></button>
  <button id="btn-stop" data-action="stop" title="Stop the app server" aria-label="Stop server"><i class="codicon codicon-debug-stop"></i></button>
  <button id="btn-start" data-action="start" title="Start the app server" aria-label="Start server"><i class="codicon codicon-play"></i></button>
  <button id="btn-external" data-action="openExternal" title="Open in the external browser" aria-label="Open in browser"><i class="codicon codicon-link-external"></i></button>
  <button id="btn-console" data-action="showOutput" class="console-count" hidden><i class="codicon codicon-warning"></i><span id="console-count"></span></button>
  <button id="btn-output" data-action="showOutput" title="Show the app's output" aria-label="Show output"><i class="codicon codicon-output"></i></button>
</header>
<main>
  <iframe id="app-frame" name="${PREVIEW_FRAME_NAME}" title="${title}" sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-modals allow-downloads allow-popups-to-escape-sandbox" allow="clipboard-read; clipboard-write; fullscreen"></iframe>
  <section id="overlay" class="overlay overlay-${state}"${state === 'ready' ? ' hidden' : ''}>
    <div class="overlay-box">
      <h2 id="overlay-title">${label}</h2>
      <p id="overlay-message"></p>
      <p id="overlay-hint" class="hint"></p>
      <pre id="overlay-output" hidden></pre>
      <div class="overlay-actions">
        <button id="overlay-install-btn" data-action="install" hidden>Install in Terminal</button>
        <button id="overlay-copy-btn" data-action="copyInstall" hidden>Copy Command</button>
        <button id="overlay-interpreter-btn" data-action="selectInterpreter" hidden>Select Interpreter</button>
        <button id="overlay-env-btn" data-action="createEnvironment" hidden>Create Environment</button>
        <button id="overlay-framework-btn" data-action="chooseFramework" hidden>Change Framework…</button>
        <button id="overlay-output-btn" data-action="showOutput">Show output</button>
        <button id="overlay-restart-btn" data-action="restart" hidden>Restart</button>
        <button id="overlay-start-btn" data-action="start" hidden>Start</button>
      </div>
    </div>
  </section>
</main>
<script nonce="${nonce}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>`;
}
