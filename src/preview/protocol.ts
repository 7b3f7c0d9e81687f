// Messages between the extension host and the preview webview. Imported by both sides
// (the webview script is bundled separately), so it imports neither `vscode` nor node.

import { FAILURE_KINDS, type FailureKind } from '../core/failures';
import { APP_STATES, type AppState } from '../core/state';

/** The preview shows the app's own states (one list, in core/state.ts). */
export const PREVIEW_STATES = APP_STATES;
export type PreviewState = AppState;

export const WEBVIEW_ACTIONS = [
  'reload',
  'restart',
  'stop',
  'start',
  'openExternal',
  'showOutput',
  'debug',
  'install',
  'copyInstall',
  'selectInterpreter',
  'createEnvironment',
  'chooseFramework',
] as const;
export type WebviewAction = (typeof WEBVIEW_ACTIONS)[number];

/** Everything the toolbar and overlays show. */
export interface StatusMessage {
  readonly type: 'status';
  readonly state: PreviewState;
  readonly appName: string;
  /** Absolute path of the app file: persisted so the preview comes back after a window reload. */
  readonly filePath: string;
  readonly framework: string;
  /** The iframe URL (already through asExternalUri), when there is a server. */
  readonly url?: string | undefined;
  readonly port?: number | undefined;
  readonly restarts: number;
  /** Bumped on every new server the preview must load. */
  readonly generation: number;
  /** A short line under the state (e.g. "restarted in 640 ms"). */
  readonly detail?: string | undefined;
  /** Debug App: every run starts under debugpy and the debugger attaches to it. */
  readonly debugging?: boolean | undefined;
  /** Why it crashed or failed to start, and what the user can do. */
  readonly error?: FailureView | undefined;
  /** Browser console errors and warnings of the app's pages in this run (they are in the app's output). */
  readonly consoleCount?: number | undefined;
  /** The framework's page follows a restart by itself (Streamlit reconnects and reruns): the preview keeps its page. */
  readonly pageFollows?: boolean | undefined;
}

/**
 * What the app's page in the preview posts to it (the front proxy's script) once it has followed a
 * restart by itself. The only message the preview takes from the app's page: at worst, a page
 * keeps itself from being loaded again.
 */
export interface FollowedMessage {
  readonly dataAppPreview: 'followed';
  readonly run: string;
}

export function isFollowedMessage(v: unknown): v is FollowedMessage {
  return typeof v === 'object' && v !== null && (v as FollowedMessage).dataAppPreview === 'followed' && typeof (v as FollowedMessage).run === 'string';
}

/** A failure as the preview shows it. */
export interface FailureView {
  readonly message: string;
  /** The last lines of its output, without our own traceback frames. */
  readonly output: string;
  readonly kind: FailureKind;
  /** The exception line (`NameError: name 'x' is not defined`), when the output has one. */
  readonly exception?: string | undefined;
  /** What the user can do about this kind of failure. */
  readonly hint: string;
  /** Where in the user's code it failed (absolute path). */
  readonly location?: { readonly file: string; readonly line: number } | undefined;
  /** missing-module: the command that installs it for this interpreter (none for an externally managed one). */
  readonly install?: string | undefined;
  /** missing-module: the Python extension can create an environment. */
  readonly canCreateEnvironment?: boolean | undefined;
}

/** The one word for each state, everywhere (preview toolbar, status bar, tooltips). */
export function stateLabel(state: AppState, kind?: FailureKind): string {
  if (state === 'crashed' && kind === 'missing-module') return 'Setup needed';
  if (state === 'crashed' && kind === 'not-a-server') return 'Not a server';
  return STATE_LABEL[state];
}

const STATE_LABEL: Record<AppState, string> = {
  stopped: 'Stopped',
  starting: 'Starting…',
  ready: 'Running',
  restarting: 'Restarting…',
  crashed: 'Crashed',
  stopping: 'Stopping…',
};

/** Reload the iframe without restarting the server. */
export interface ReloadFrameMessage {
  readonly type: 'reloadFrame';
}

export type HostToWebview = StatusMessage | ReloadFrameMessage;

/**
 * What the host posts: a message with the panel's secret token, which the webview got in its
 * HTML. Another window (the app's page) can post to the webview too, but cannot know the token.
 */
export type SignedHostMessage = HostToWebview & { readonly token: string };

export function isSignedBy(v: unknown, token: string): v is SignedHostMessage {
  return isHostToWebview(v) && token.length > 0 && (v as unknown as { token?: unknown }).token === token;
}

export type WebviewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'action'; readonly action: WebviewAction }
  /** A `File "…", line N` link in the error output was clicked (`file` as the output has it). */
  | { readonly type: 'openLocation'; readonly file: string; readonly line: number };

/** What the webview persists with `setState`, and the serializer revives from. */
export interface PersistedPreview {
  readonly version: 1;
  readonly filePath: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function isWebviewAction(v: unknown): v is WebviewAction {
  return typeof v === 'string' && (WEBVIEW_ACTIONS as readonly string[]).includes(v);
}

export function isWebviewToHost(v: unknown): v is WebviewToHost {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'ready':
      return true;
    case 'action':
      return isWebviewAction(v.action);
    case 'openLocation':
      return typeof v.file === 'string' && v.file.length > 0 && v.file.length < 4096 && Number.isInteger(v.line) && (v.line as number) > 0;
    default:
      return false;
  }
}

export function isHostToWebview(v: unknown): v is HostToWebview {
  if (!isObject(v)) return false;
  if (v.type === 'reloadFrame') return true;
  if (v.type !== 'status') return false;
  return (
    typeof v.state === 'string' &&
    (PREVIEW_STATES as readonly string[]).includes(v.state) &&
    typeof v.appName === 'string' &&
    typeof v.filePath === 'string' &&
    typeof v.framework === 'string' &&
    typeof v.restarts === 'number' &&
    typeof v.generation === 'number' &&
    (v.url === undefined || typeof v.url === 'string') &&
    (v.error === undefined ||
      (isObject(v.error) &&
        typeof v.error.message === 'string' &&
        typeof v.error.output === 'string' &&
        typeof v.error.hint === 'string' &&
        (FAILURE_KINDS as readonly unknown[]).includes(v.error.kind)))
  );
}

export function isPersistedPreview(v: unknown): v is PersistedPreview {
  return isObject(v) && v.version === 1 && typeof v.filePath === 'string' && v.filePath.length > 0;
}
