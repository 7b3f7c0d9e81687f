// The root object: owns everything the extension creates, and registers the commands from
// one table. `extension.ts` only builds it.
import * as vscode from 'vscode';
import { AppManager, UserFacingError } from './app/manager';
import { DebugTypes } from './app/debug-types';
import { InterpreterResolver } from './app/interpreter';
import { Setup } from './app/setup';
import { AzureFeature } from './azure/feature';
import type { StorageNode } from './azure/tree';
import { Config } from './config/config';
import { Reaper } from './core/reaper';
import type { CommandId } from './config/commands';
import { PREVIEW_VIEW_TYPE } from './preview/panel';
import { Disposable, toDisposable } from './util/dispose';

/** Set by the bundle's first line (esbuild banner); absent when the sources are loaded unbundled. */
declare const __dapLoadStart: number | undefined;

type CommandHandler = (root: DataAppPreview, ...args: unknown[]) => unknown;

const asUri = (v: unknown): vscode.Uri | undefined => (v instanceof vscode.Uri ? v : undefined);
/** A tree node passed by a view menu; palette invocations pass nothing. */
const asNode = (v: unknown): StorageNode | undefined => (v && typeof v === 'object' && 'kind' in v ? (v as StorageNode) : undefined);

/** Every command, in one table; the manifest declares the same ids (checked by a test). */
export const COMMANDS: Readonly<Record<CommandId, CommandHandler>> = {
  'dataAppPreview.preview': (r, uri) => r.apps.preview(asUri(uri)),
  'dataAppPreview.debug': (r, uri) => r.apps.debug(asUri(uri)),
  'dataAppPreview.showPreview': async (r, uri) => (await r.apps.pick(asUri(uri)))?.reveal(),
  'dataAppPreview.restart': async (r, uri) => (await r.apps.pick(asUri(uri)))?.restart('restart command'),
  'dataAppPreview.stop': async (r, uri) => (await r.apps.pick(asUri(uri)))?.stop(),
  'dataAppPreview.stopAll': (r) => r.apps.stopAll(),
  'dataAppPreview.reloadPreview': async (r, uri) => (await r.apps.pick(asUri(uri)))?.preview?.reloadFrame(),
  'dataAppPreview.openExternal': async (r, uri) => (await r.apps.pick(asUri(uri)))?.openExternal(),
  'dataAppPreview.showOutput': async (r, uri) => (await r.apps.pick(asUri(uri)))?.showOutput(),
  'dataAppPreview.showLog': (r) => r.log.show(),
  'dataAppPreview.chooseFramework': (r, uri) => r.apps.chooseFramework(asUri(uri)),
  'dataAppPreview.azure.signIn': (r) => r.azure.signIns.signIn(),
  'dataAppPreview.azure.signInMicrosoft': (r) => r.azure.signIns.signInMicrosoft(),
  'dataAppPreview.azure.signInCli': (r) => r.azure.signIns.signInWith('cli'),
  'dataAppPreview.azure.signInEnvironment': (r) => r.azure.signIns.signInWith('environment'),
  'dataAppPreview.azure.attachConnection': (r) => r.azure.signIns.attachConnection(),
  'dataAppPreview.azure.useEmulator': (r) => r.azure.signIns.useEmulator(),
  'dataAppPreview.azure.startAzurite': (r) => r.azure.emulator.start(),
  'dataAppPreview.azure.stopAzurite': (r) => r.azure.emulator.stop(),
  'dataAppPreview.azure.signOut': (r) => r.azure.signIns.signOut(),
  'dataAppPreview.azure.refresh': (r, node) => r.azure.explorer.refresh(asNode(node)),
  'dataAppPreview.azure.loadMore': (r, node) => asNode(node) && r.azure.explorer.loadMore(asNode(node)!),
  'dataAppPreview.azure.copyUrl': (r, node) => r.azure.explorer.copyUrl(asNode(node)),
  'dataAppPreview.azure.download': (r, node) => r.azure.explorer.download(asNode(node)),
  'dataAppPreview.azure.uploadFiles': (r, node) => r.azure.explorer.uploadFiles(asNode(node)),
  'dataAppPreview.azure.uploadFolder': (r, node) => r.azure.explorer.uploadFolder(asNode(node)),
  'dataAppPreview.azure.delete': (r, node) => r.azure.explorer.delete(asNode(node)),
  'dataAppPreview.azure.createContainer': (r, node) => r.azure.explorer.createContainer(asNode(node)),
  'dataAppPreview.azure.openBlob': (r, node) => r.azure.explorer.openBlob(asNode(node)),
  'dataAppPreview.azure.useForPreview': (r, node) => r.azure.choices.use(asNode(node)),
  'dataAppPreview.azure.stopUsingForPreview': (r) => r.azure.choices.stopUsing(),
};

export class DataAppPreview extends Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly apps: AppManager;
  readonly interpreters: InterpreterResolver;
  readonly azure: AzureFeature;
  readonly debugTypes: DebugTypes;
  /** Milliseconds from loading the bundle to the end of activate(). */
  readonly activationMs: number | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    super();
    this.log = this._register(vscode.window.createOutputChannel('Data App Preview', { log: true }));
    const interpreters = (this.interpreters = this._register(new InterpreterResolver(this.log)));
    // Kills app servers if this host dies without stopping them (disposed last: after the apps).
    const reaper = this._register(new Reaper(vscode.Uri.joinPath(context.extensionUri, 'dist', 'reaper.js').fsPath));
    // Azure: sign-ins, the shared blob client, the broker; its run hook hands credentials to apps.
    const azure = (this.azure = this._register(new AzureFeature(context, this.log, reaper, (why) => this.offerRestart(why, true))));
    // Debug App's debug types; F5 on a configuration of ours runs Debug App for its file.
    const debugTypes = (this.debugTypes = this._register(new DebugTypes(this.log, (file) => this.run('debug', () => this.apps.debug(file)))));
    this.apps = this._register(
      new AppManager(
        {
          extensionUri: context.extensionUri,
          log: this.log,
          interpreters,
          hooks: azure.runHooks,
          tracker: reaper,
          debugTypes,
          problems: this._register(vscode.languages.createDiagnosticCollection('Data App Preview')),
          setup: new Setup(this.log),
        },
        context.workspaceState,
      ),
    );

    for (const [id, handler] of Object.entries(COMMANDS)) {
      this._register(vscode.commands.registerCommand(id, (...args: unknown[]) => this.run(id, () => handler(this, ...args))));
    }
    this._register(
      vscode.window.registerWebviewPanelSerializer(PREVIEW_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => {
          await this.run('revive', () => this.apps.revive(panel, state));
        },
      }),
    );
    this._register(vscode.workspace.onDidChangeConfiguration((e) => void this.onConfigChanged(e)));
    this._register(interpreters.onDidChange(() => void this.offerRestart('The selected Python interpreter changed.')));

    // If the host goes down without deactivate() finishing, no server survives it.
    const onExit = () => this.apps.killAllNow();
    process.once('exit', onExit);
    this._register(toDisposable(() => process.off('exit', onExit)));
    const t0 = typeof __dapLoadStart === 'number' ? __dapLoadStart : undefined;
    this.activationMs = t0 === undefined ? undefined : Math.round((performance.now() - t0) * 10) / 10;
    this.log.info(`Data App Preview ${(context.extension.packageJSON as { version: string }).version} activated in ${this.activationMs ?? '?'} ms (bundle load + activate)`);
  }

  /** Runs a command; bad input becomes a message with its actions, other errors are logged and shown. */
  private async run(id: string, fn: () => unknown): Promise<unknown> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof UserFacingError) {
        const pick = await vscode.window.showWarningMessage(e.message, ...e.actions.map((a) => a.title));
        await e.actions.find((a) => a.title === pick)?.run();
        return undefined;
      }
      this.log.error(`${id} failed: ${(e as Error).stack ?? String(e)}`);
      const pick = await vscode.window.showErrorMessage(`Data App Preview: ${(e as Error).message}`, 'Show Log');
      if (pick) this.log.show();
      return undefined;
    }
  }

  private async onConfigChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
    const affected = this.apps.all.filter((s) => s.state !== 'stopped' && Config.affectsRestart(e, s.file));
    if (affected.length) await this.offerRestart('Data App Preview settings changed.');
  }

  /** `always`: say `why` even when no app runs (what previewed apps will be given is news either way). */
  private async offerRestart(why: string, always = false): Promise<void> {
    const running = this.apps.all.filter((s) => s.state !== 'stopped');
    if (!running.length) {
      if (always) void vscode.window.showInformationMessage(why);
      return;
    }
    const pick = await vscode.window.showInformationMessage(`${why} Restart the running app${running.length > 1 ? 's' : ''} to apply it?`, 'Restart');
    if (pick) await Promise.all(running.map((s) => s.restart('settings changed')));
  }

  /** Stops every app server; awaited by deactivate(). */
  async shutdown(): Promise<void> {
    await this.apps.shutdown();
    await this.azure.shutdown(); // after the apps: their runs close first; then the broker and Azurite
    this.dispose();
  }
}
