// The local storage emulator this window starts (Azurite from npm), stopped with the extension
// and covered by the reaper.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Config } from '../config/config';
import type { ProcessTracker } from '../core/reaper';
import { AzuriteServer, findAzurite, probeAzurite } from './azurite';

export class EmulatorControl {
  private azurite: AzuriteServer | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly tracker: ProcessTracker,
  ) {}

  /** Starts Azurite for this workspace unless it already answers; resolves true when it runs. */
  async start(): Promise<boolean> {
    const port = new Config().get('azure.emulatorPort');
    const version = await probeAzurite(port);
    if (version) {
      void vscode.window.showInformationMessage(`Azurite ${version} is already running on port ${port}.`);
      return true;
    }
    let mainJs: string;
    try {
      mainJs = findAzurite({ setting: new Config().get('azure.azuritePath') || undefined, workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) });
    } catch (e) {
      const pick = await vscode.window.showErrorMessage((e as Error).message, 'Install Globally in a Terminal', 'Set Path');
      if (pick === 'Install Globally in a Terminal') {
        const t = vscode.window.createTerminal('Install Azurite');
        t.show();
        t.sendText('npm install -g azurite');
      } else if (pick === 'Set Path') {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'dataAppPreview.azure.azuritePath');
      }
      return false;
    }
    const storage = this.context.storageUri ?? this.context.globalStorageUri;
    const location = path.join(storage.fsPath, 'azurite');
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting Azurite on port ${port}…` }, async () => {
      try {
        const server = await AzuriteServer.start({ mainJs, port, location, log: this.log });
        this.azurite = server;
        this.tracker.track(server.process.pid, server.process.marker);
        void server.exited.then(() => {
          this.tracker.untrack(server.process.pid);
          if (this.azurite === server) this.azurite = undefined;
        });
        this.log.info(`Azurite data: ${location}`);
        return true;
      } catch (e) {
        this.log.error(`Azurite did not start: ${(e as Error).message}\n${(e as { output?: string }).output ?? ''}`);
        void vscode.window.showErrorMessage(`Azurite did not start: ${(e as Error).message}`, 'Show Log').then((p) => p && this.log.show());
        return false;
      }
    });
  }

  async stop(): Promise<void> {
    const server = this.azurite;
    this.azurite = undefined;
    if (server) {
      await server.stop();
      this.tracker.untrack(server.process.pid);
    }
  }
}
