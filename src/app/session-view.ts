// What the user sees of one app: its preview panel (created, revived, or none until asked for)
// and its status bar item, both redrawn from one status message.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { AppSupervisor } from '../core/supervisor';
import { PreviewPanel } from '../preview/panel';
import type { StatusMessage, WebviewAction } from '../preview/protocol';
import { Disposable } from '../util/dispose';
import { AppStatusItem, type StatusDetails } from './status-item';

/** The session, as its view reads and drives it. */
export interface ViewedSession {
  readonly file: vscode.Uri;
  readonly supervisor: AppSupervisor;
  readonly frameOrigins: readonly string[];
  statusMessage(): StatusMessage;
  statusDetails(): StatusDetails;
  act(action: WebviewAction): Promise<void>;
  readonly failures: { openLocation(file: string, line: number): Promise<void> };
  /** The user closed the preview. */
  close(): Promise<void>;
}

export class SessionView extends Disposable {
  private panel: PreviewPanel | undefined;
  private readonly statusItem: AppStatusItem;

  /** `label`: the file relative to the workspace (the status bar item's name). */
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly session: ViewedSession,
    label: string,
    revivedPanel: vscode.WebviewPanel | undefined,
    showPreview: boolean,
    private readonly originsKnown: Promise<unknown>,
  ) {
    super();
    if (revivedPanel) this.attach(PreviewPanel.adopt(revivedPanel, extensionUri, session.statusMessage(), this.origins()));
    else if (showPreview) this.attach(PreviewPanel.create(extensionUri, path.basename(session.file.fsPath), session.statusMessage(), this.origins()));
    this.statusItem = this._register(new AppStatusItem(session.file, label));
  }

  /** The preview panel (none when Debug App started the app without one, until it is shown). */
  get preview(): PreviewPanel | undefined {
    return this.panel;
  }

  reveal(): void {
    if (this.isDisposed) return;
    if (!this.panel) this.attach(PreviewPanel.create(this.extensionUri, path.basename(this.session.file.fsPath), this.session.statusMessage(), this.origins()));
    this.panel!.reveal();
    this.refresh();
  }

  refresh(): void {
    if (this.isDisposed) return;
    const status = this.session.statusMessage();
    this.panel?.update(status, this.session.frameOrigins);
    this.statusItem.update(status, this.session.supervisor, this.session.statusDetails());
  }

  /** The frame origins, once the front proxy listens. */
  private origins(): Promise<readonly string[]> {
    return this.originsKnown.then(() => this.session.frameOrigins);
  }

  private attach(panel: PreviewPanel): void {
    this.panel = this._register(panel);
    this._register(panel.onAction((a) => void this.session.act(a)));
    this._register(panel.onOpenLocation((l) => void this.session.failures.openLocation(l.file, l.line)));
    this._register(panel.onDidClose(() => void this.session.close()));
  }
}
