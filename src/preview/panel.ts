// The preview webview panel: one per app. It shows status and forwards typed actions.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import { buildPreviewHtml } from './html';
import { isWebviewToHost, type HostToWebview, type SignedHostMessage, type StatusMessage, type WebviewAction } from './protocol';

export const PREVIEW_VIEW_TYPE = 'dataAppPreview.preview';
/** How long the first page waits for the origins its frame loads from (then it goes without). */
const FIRST_PAGE_WAIT_MS = 1000;

export function previewWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: true, // the app's in-page state survives switching tabs
    enableFindWidget: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
  };
}

/** The editor group that already shows a preview: a second one opens there, not in a new column. */
export function previewColumn(): vscode.ViewColumn | undefined {
  const isPreview = (t: vscode.Tab) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(PREVIEW_VIEW_TYPE);
  const groups = vscode.window.tabGroups.all.filter((g) => g.tabs.some(isPreview));
  return (groups.find((g) => g.isActive) ?? groups[0])?.viewColumn;
}

export class PreviewPanel extends Disposable {
  private readonly actionEmitter = this._register(new vscode.EventEmitter<WebviewAction>());
  private readonly disposeEmitter = this._register(new vscode.EventEmitter<void>());
  /** A toolbar or overlay button was pressed. */
  readonly onAction = this.actionEmitter.event;
  private readonly locationEmitter = this._register(new vscode.EventEmitter<{ file: string; line: number }>());
  /** A `File "…", line N` link of the error output was clicked. */
  readonly onOpenLocation = this.locationEmitter.event;
  /** The user closed the panel. */
  readonly onDidClose = this.disposeEmitter.event;
  private origins: string | undefined; // the rendered page's frame origins; undefined before the first page
  /** This panel's secret, in its HTML and in every message of the host. */
  private readonly token = randomBytes(16).toString('hex');
  private status: StatusMessage;

  /** `origins`: where the app's frame will load from, once known (the first page's CSP). */
  static create(extensionUri: vscode.Uri, title: string, initial: StatusMessage, origins: PromiseLike<readonly string[]>): PreviewPanel {
    const viewColumn = previewColumn() ?? vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel(PREVIEW_VIEW_TYPE, title, { viewColumn, preserveFocus: true }, previewWebviewOptions(extensionUri));
    return new PreviewPanel(panel, extensionUri, initial, origins);
  }

  /** Wraps a panel VS Code restored after a window reload. */
  static adopt(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, initial: StatusMessage, origins: PromiseLike<readonly string[]>): PreviewPanel {
    panel.webview.options = previewWebviewOptions(extensionUri);
    return new PreviewPanel(panel, extensionUri, initial, origins);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    initial: StatusMessage,
    origins: PromiseLike<readonly string[]>,
  ) {
    super();
    this.status = initial;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'preview.svg');
    this._register(
      panel.webview.onDidReceiveMessage((msg: unknown) => {
        if (!isWebviewToHost(msg)) return;
        if (msg.type === 'action') this.actionEmitter.fire(msg.action);
        else if (msg.type === 'openLocation') this.locationEmitter.fire({ file: msg.file, line: msg.line });
        else if (msg.type === 'ready') this.post(this.status);
      }),
    );
    this._register(
      panel.onDidDispose(() => {
        this.disposeEmitter.fire();
        this.dispose();
      }),
    );
    // The first page carries its final CSP, so the first start does not set a second page while
    // VS Code is still loading the first (it then holds two pages of the preview for a while).
    const timer = setTimeout(() => this.renderFirst([]), FIRST_PAGE_WAIT_MS);
    this._register({ dispose: () => clearTimeout(timer) });
    Promise.resolve(origins).then(
      (o) => this.renderFirst(o),
      () => this.renderFirst([]),
    );
  }

  private renderFirst(frameOrigins: readonly string[]): void {
    if (!this.isDisposed && this.origins === undefined) this.render(frameOrigins);
  }

  get visible(): boolean {
    return this.panel.visible;
  }

  /** Shows new status; rebuilds the page only when the allowed frame origins change (CSP). */
  update(status: StatusMessage, frameOrigins: readonly string[]): void {
    if (this.isDisposed) return; // state changes while the app stops after its panel closed
    this.status = status;
    this.panel.title = `${status.appName} · ${status.framework}`;
    const key = [...frameOrigins].sort().join(' ');
    if (this.origins === undefined) {
      if (frameOrigins.length) this.render(frameOrigins); // else the first page comes with its origins
    } else if (key !== this.origins) this.render(frameOrigins);
    else this.post(status);
  }

  reloadFrame(): void {
    if (this.isDisposed) return;
    this.post({ type: 'reloadFrame' });
  }

  reveal(): void {
    if (!this.isDisposed) this.panel.reveal(undefined, true);
  }

  /** Every host message carries the panel's token (see SignedHostMessage). */
  private post(message: HostToWebview): void {
    void this.panel.webview.postMessage({ ...message, token: this.token } satisfies SignedHostMessage);
  }

  private render(frameOrigins: readonly string[]): void {
    this.origins = [...frameOrigins].sort().join(' ');
    const webview = this.panel.webview;
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...p)).toString();
    webview.html = buildPreviewHtml({
      cspSource: webview.cspSource,
      scriptUri: uri('dist', 'webview.js'),
      styleUri: uri('media', 'preview.css'),
      codiconsUri: uri('media', 'codicons', 'codicon.css'),
      frameOrigins,
      initial: this.status,
      token: this.token,
    });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.panel.dispose();
  }
}
