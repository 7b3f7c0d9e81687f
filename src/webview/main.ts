// The preview webview's script (bundled for the browser as dist/webview.js).
import { isHostToWebview, isSignedBy, isWebviewAction, type PersistedPreview, type StatusMessage, type WebviewToHost } from '../preview/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const frame = $<HTMLIFrameElement>('app-frame');
const overlay = $<HTMLElement>('overlay');

const STATE_LABEL: Record<StatusMessage['state'], string> = {
  stopped: 'Stopped',
  starting: 'Starting…',
  ready: 'Running',
  restarting: 'Restarting…',
  crashed: 'Crashed',
  stopping: 'Stopping…',
};

let shownGeneration = -1;
let current: StatusMessage | undefined;

function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

function render(s: StatusMessage): void {
  current = s;
  vscode.setState({ version: 1, filePath: s.filePath } satisfies PersistedPreview);
  document.body.dataset.state = s.state;
  const state = $('state');
  state.textContent = STATE_LABEL[s.state];
  state.className = `state state-${s.state}`;
  const serving = s.state === 'ready' || s.state === 'starting' || s.state === 'restarting';
  $('title').textContent = `${s.appName} · ${s.framework}${s.port && serving ? ` · :${s.port}` : ''}`;
  $('detail').textContent = s.detail ?? '';

  const running = s.state === 'ready' || s.state === 'starting' || s.state === 'restarting';
  show($('btn-stop'), running);
  show($('btn-start'), s.state === 'stopped' || s.state === 'crashed');
  $<HTMLButtonElement>('btn-restart').disabled = s.state === 'stopping';
  $<HTMLButtonElement>('btn-reload').disabled = s.state !== 'ready';
  $<HTMLButtonElement>('btn-external').disabled = !s.url;
  const debug = $<HTMLButtonElement>('btn-debug');
  debug.setAttribute('aria-pressed', String(!!s.debugging));
  debug.classList.toggle('active', !!s.debugging);
  debug.title = s.debugging ? 'Stop debugging: restart the app without the debugger' : 'Debug the app: every run starts under the debugger';
  debug.disabled = s.state === 'stopping';
  if (s.debugging) $('detail').textContent = `debugging${s.detail ? ` · ${s.detail}` : ''}`;

  if (s.state === 'ready' && s.url && s.generation !== shownGeneration) {
    shownGeneration = s.generation;
    frame.src = s.url; // setting src always navigates, even to the same URL
  }

  // Overlays: the last page stays visible underneath while restarting.
  const title = $('overlay-title');
  const message = $('overlay-message');
  const output = $<HTMLPreElement>('overlay-output');
  let visible = true;
  show($('overlay-start-btn'), false);
  show($('overlay-restart-btn'), false);
  show($('overlay-output-btn'), false);
  overlay.className = `overlay overlay-${s.state}`;
  switch (s.state) {
    case 'ready':
      visible = false;
      break;
    case 'starting':
    case 'restarting':
    case 'stopping':
      title.textContent = STATE_LABEL[s.state];
      message.textContent =
        s.state !== 'stopping' && s.debugging
          ? 'Under the debugger: the app runs once VS Code has attached; a breakpoint holds it here until you continue.'
          : s.state === 'starting'
            ? `Starting the ${s.framework} server for ${s.appName}`
            : '';
      show($('overlay-output-btn'), true);
      break;
    case 'crashed':
      title.textContent = s.error?.message ?? 'The app stopped unexpectedly.';
      message.textContent = 'Fix the error and save, or restart.';
      show($('overlay-restart-btn'), true);
      show($('overlay-output-btn'), true);
      break;
    case 'stopped':
      title.textContent = 'The app server is stopped.';
      message.textContent = s.error?.message ?? '';
      show($('overlay-start-btn'), true);
      show($('overlay-output-btn'), true);
      break;
  }
  output.textContent = s.error?.output ?? '';
  show(output, !!s.error?.output && (s.state === 'crashed' || s.state === 'stopped'));
  show(overlay, visible);
}

document.addEventListener('click', (ev) => {
  const button = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
  const action = button?.dataset.action;
  if (!button || button.disabled || !isWebviewAction(action)) return;
  if (action === 'reload') {
    reloadFrame();
    return;
  }
  vscode.postMessage({ type: 'action', action });
});

function reloadFrame(): void {
  if (current?.url) frame.src = current.url;
}

// Only the extension speaks for the extension: its messages carry this panel's token, which
// the page got in its HTML. The app's page inside the iframe (or any window it opens) can post
// to this page too, but cannot read the token.
const TOKEN = document.body.dataset.token ?? '';
window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  if (ev.source === frame.contentWindow || !isSignedBy(ev.data, TOKEN)) return;
  const msg = ev.data;
  if (msg.type === 'status') render(msg);
  else reloadFrame();
});

const initial: unknown = JSON.parse(document.body.dataset.initial ?? 'null');
if (isHostToWebview(initial) && initial.type === 'status') render(initial);
vscode.postMessage({ type: 'ready' });
