// The preview webview's script (bundled for the browser as dist/webview.js).
import { locationIn } from '../core/tracebacks';
import { FrameSwap } from './frames';
import { isFollowedMessage, isHostToWebview, isSignedBy, isWebviewAction, stateLabel, type PersistedPreview, type StatusMessage, type WebviewToHost } from '../preview/protocol';
import { FOLLOW_TIMEOUT_MS } from '../core/page-client';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const frames = new FrameSwap($<HTMLIFrameElement>('app-frame'), () => current && render(current));
const overlay = $<HTMLElement>('overlay');

let shownGeneration = -1;
let current: StatusMessage | undefined;
/** The app server was down (crashed, stopped) since the page on show loaded: that page cannot follow. */
let interrupted = false;

function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

function render(s: StatusMessage): void {
  current = s;
  vscode.setState({ version: 1, filePath: s.filePath } satisfies PersistedPreview);
  document.body.dataset.state = s.state;
  const state = $('state');
  const label = stateLabel(s.state, s.error?.kind);
  state.textContent = label;
  state.className = `state state-${s.state}${s.error?.kind === 'missing-module' || s.error?.kind === 'not-a-server' ? ' state-setup' : ''}`;
  const serving = s.state === 'ready' || s.state === 'starting' || s.state === 'restarting';
  const title = `${s.appName} · ${s.framework}${s.port && serving ? ` · :${s.port}` : ''}`;
  $('title').textContent = title;
  const detail = s.debugging ? `debugging${s.detail ? ` · ${s.detail}` : ''}` : (s.detail ?? '');
  $('detail').textContent = detail;
  // The state is never cut; what does not fit is in the tooltip.
  $('toolbar-text').title = [label, title, detail].filter(Boolean).join(' · ');

  const running = s.state === 'ready' || s.state === 'starting' || s.state === 'restarting';
  show($('btn-stop'), running);
  show($('btn-start'), s.state === 'stopped' || s.state === 'crashed');
  $<HTMLButtonElement>('btn-restart').disabled = s.state === 'stopping';
  $<HTMLButtonElement>('btn-reload').disabled = s.state !== 'ready';
  $<HTMLButtonElement>('btn-external').disabled = !s.url;
  const logged = s.consoleCount ?? 0;
  const consoleBtn = $<HTMLButtonElement>('btn-console');
  show(consoleBtn, logged > 0);
  $('console-count').textContent = String(logged);
  consoleBtn.title = `${logged} browser console error${logged === 1 ? '' : 's'} and warning${logged === 1 ? '' : 's'} from the app's page in this run: show them in the app's output`;
  consoleBtn.setAttribute('aria-label', `${logged} browser console messages: show output`);
  const debug = $<HTMLButtonElement>('btn-debug');
  debug.setAttribute('aria-pressed', String(!!s.debugging));
  debug.classList.toggle('active', !!s.debugging);
  debug.title = s.debugging ? 'Stop debugging: restart the app without the debugger' : 'Debug the app: every run starts under the debugger';
  debug.disabled = s.state === 'stopping';

  if (s.state === 'crashed' || s.state === 'stopped') interrupted = true;
  if (s.state === 'ready' && s.url && s.generation !== shownGeneration) {
    // Streamlit's page reconnects to the next server and reruns (the front proxy's script asks it):
    // kept, and loaded again only if it does not say it followed.
    const follows = !!s.pageFollows && !interrupted && shownGeneration >= 0 && frames.frame.getAttribute('src') === s.url;
    shownGeneration = s.generation;
    interrupted = false;
    const url = s.url;
    if (follows) frames.follow(url, FOLLOW_TIMEOUT_MS + 1000);
    // Behind the page on show, swapped in when it has loaded. Not before this page has loaded:
    // VS Code shows a new page of the webview at its load event, which a frame still loading
    // would hold back (the preview stayed on its previous page while the app loaded).
    else if (document.readyState === 'complete') frames.load(url);
    else window.addEventListener('load', () => frames.load(url), { once: true });
  }

  // Overlays: the last page stays visible underneath while restarting.
  const heading = $('overlay-title');
  const message = $('overlay-message');
  const output = $<HTMLPreElement>('overlay-output');
  let visible = true;
  for (const id of OVERLAY_BUTTONS) show($(id), false);
  $('overlay-hint').textContent = '';
  overlay.className = `overlay overlay-${s.state}`;
  switch (s.state) {
    case 'ready':
      // The new version loads behind the old page, which stays under the overlay until the swap.
      visible = frames.loading;
      heading.textContent = 'Loading the new version';
      message.textContent = '';
      break;
    case 'starting':
    case 'restarting':
    case 'stopping':
      heading.textContent = label;
      message.textContent =
        s.state !== 'stopping' && s.debugging
          ? 'Under the debugger: the app runs once VS Code has attached; a breakpoint holds it here until you continue.'
          : s.state === 'starting'
            ? `Starting the ${s.framework} server for ${s.appName}`
            : '';
      show($('overlay-output-btn'), true);
      break;
    case 'crashed':
      renderFailure(s);
      break;
    case 'stopped':
      heading.textContent = 'The app server is stopped.';
      message.textContent = s.error?.message ?? '';
      show($('overlay-start-btn'), true);
      show($('overlay-output-btn'), true);
      break;
  }
  renderOutput(output, s.error?.output ?? '');
  show(output, !!s.error?.output && (s.state === 'crashed' || s.state === 'stopped'));
  show(overlay, visible);
}

const OVERLAY_BUTTONS = [
  'overlay-install-btn',
  'overlay-copy-btn',
  'overlay-interpreter-btn',
  'overlay-env-btn',
  'overlay-framework-btn',
  'overlay-restart-btn',
  'overlay-start-btn',
  'overlay-output-btn',
];

/** The crash overlay: what failed, what to do about its kind, and the buttons that do it. */
function renderFailure(s: StatusMessage): void {
  const e = s.error;
  // The error itself, then the user's file and line as a link to the editor, then how it ended.
  $('overlay-title').textContent = e?.exception ?? e?.message ?? 'The app stopped unexpectedly.';
  const message = $('overlay-message');
  message.replaceChildren();
  if (e?.location) message.append('In ', sourceLink(e.location.file, e.location.line, `${e.location.file}, line ${e.location.line}`), '. ');
  if (e?.exception) message.append(e.message);
  $('overlay-hint').textContent = e?.hint ?? 'Fix the error and save, or restart.';
  const setup = e?.kind === 'missing-module';
  if (setup) {
    $('overlay-title').textContent = 'Setup needed';
    message.textContent = e.exception ?? e.message;
    if (e.install) {
      $('overlay-install-btn').title = e.install;
      $('overlay-hint').textContent = `${e.hint} Install in Terminal runs: ${e.install}`;
    }
    show($('overlay-install-btn'), !!e.install);
    show($('overlay-copy-btn'), !!e.install);
    show($('overlay-interpreter-btn'), true);
    show($('overlay-env-btn'), !!e.canCreateEnvironment);
  }
  // A remembered framework choice may be the cause: it can be changed from here.
  show($('overlay-framework-btn'), e?.kind === 'not-a-server' || e?.kind === 'crash');
  show($('overlay-restart-btn'), !setup);
  show($('overlay-output-btn'), true);
}

/** The output, with each `File "…", line N` of the user's code as a link that opens the editor there. */
function renderOutput(pre: HTMLPreElement, text: string): void {
  pre.replaceChildren();
  for (const line of text.split('\n')) {
    const at = locationIn(line);
    if (!at) {
      pre.append(`${line}\n`);
      continue;
    }
    pre.append(line.slice(0, at.start), sourceLink(at.file, at.line, line.slice(at.start, at.end)), `${line.slice(at.end)}\n`);
  }
}

function sourceLink(file: string, line: number, text: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = '#';
  a.className = 'source-link';
  a.dataset.file = file;
  a.dataset.line = String(line);
  a.title = `Open ${file} at line ${line}`;
  a.textContent = text;
  return a;
}

document.addEventListener('click', (ev) => {
  const link = (ev.target as HTMLElement).closest<HTMLAnchorElement>('a.source-link');
  if (link) {
    ev.preventDefault();
    vscode.postMessage({ type: 'openLocation', file: link.dataset.file ?? '', line: Number(link.dataset.line) });
    return;
  }
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
  if (current?.url) frames.reload(current.url);
}

// Only the extension speaks for the extension: its messages carry this panel's token, which
// the page got in its HTML. The app's page inside the iframe (or any window it opens) can post
// to this page too, but cannot read the token.
const TOKEN = document.body.dataset.token ?? '';
window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  if (frames.isAppWindow(ev.source)) {
    if (isFollowedMessage(ev.data)) frames.followed(); // the one message taken from the app's page
    return;
  }
  if (!isSignedBy(ev.data, TOKEN)) return;
  const msg = ev.data;
  if (msg.type === 'status') render(msg);
  else reloadFrame();
});

const initial: unknown = JSON.parse(document.body.dataset.initial ?? 'null');
if (isHostToWebview(initial) && initial.type === 'status') render(initial);
vscode.postMessage({ type: 'ready' });
