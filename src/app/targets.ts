// What to preview: a file on disk in the workspace, saved, and the framework it runs with
// (the setting, the remembered choice, detection, or the user's pick). Bad input is a
// UserFacingError with the actions that fix it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Config } from '../config/config';
import { SECTION } from '../config/settings';
import { detectFramework, FRAMEWORK_IDS, FRAMEWORKS, isFrameworkId, type FrameworkId } from '../core/frameworks';
import { PLACEHOLDERS, splitCommandLine, unknownPlaceholders } from '../core/placeholders';

/** What a session previews: a file of a workspace folder, and the framework it runs with. */
export interface SessionTarget {
  readonly file: vscode.Uri;
  readonly folder: vscode.WorkspaceFolder;
  readonly framework: FrameworkId;
  readonly observableRoot?: string | undefined;
}

/** The remembered answer "This file is not an app". */
export const NOT_AN_APP = 'not-an-app';

const OBSERVABLE_CONFIGS = ['observablehq.config.js', 'observablehq.config.ts', 'observablehq.config.mjs', 'observablehq.config.mts'];

/** A problem with what the user asked for: shown as a message, nothing is started. */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(
    message: string,
    readonly actions: ReadonlyArray<{ title: string; run: () => unknown }> = [],
  ) {
    super(message);
  }
}

export class TargetResolver {
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly memento: vscode.Memento,
  ) {}

  /** Checks the file and works out its framework; throws UserFacingError for bad input. */
  async resolve(uri?: vscode.Uri, opts: { interactive?: boolean } = {}): Promise<SessionTarget | undefined> {
    const interactive = opts.interactive ?? true;
    const editorDoc = vscode.window.activeTextEditor?.document;
    const file = uri ?? editorDoc?.uri;
    if (!file) throw new UserFacingError('Open an app file (for example app.py) in the editor, then run "Data App: Preview App".');
    if (file.scheme === 'untitled') {
      throw new UserFacingError('This file has never been saved. Save it to a folder first: apps run from a file on disk.', [
        { title: 'Save As…', run: () => vscode.commands.executeCommand('workbench.action.files.saveAs') },
      ]);
    }
    if (file.scheme !== 'file')
      throw new UserFacingError(`Only files on disk can be previewed (this one is ${file.scheme}:). Save a copy in a folder of the workspace and preview that.`);
    const folder = vscode.workspace.getWorkspaceFolder(file);
    if (!folder) {
      throw new UserFacingError(
        vscode.workspace.workspaceFolders?.length
          ? `${path.basename(file.fsPath)} is outside the open workspace folders. Open its folder to preview it.`
          : 'Open a folder first (File › Open Folder…): apps are previewed from a workspace folder.',
        [{ title: 'Open Folder…', run: () => vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(path.dirname(file.fsPath))) }],
      );
    }
    if (!fs.existsSync(file.fsPath))
      throw new UserFacingError(`${file.fsPath} does not exist on disk (moved or deleted?). Open the file where it is now and preview it from there.`);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
    if (doc?.isDirty) {
      if (!interactive) return undefined;
      const choice = await vscode.window.showWarningMessage(
        `${path.basename(file.fsPath)} has unsaved changes. The app runs what is on disk.`,
        { modal: true },
        'Save and Preview',
        'Preview Saved Version',
      );
      if (!choice) return undefined;
      if (choice === 'Save and Preview' && !(await doc.save()))
        throw new UserFacingError(`Could not save ${path.basename(file.fsPath)}. Save it yourself (Ctrl+S), then run "Data App: Preview App" again.`);
    }

    if (this.memento.get<string>(`framework:${file.toString()}`) === NOT_AN_APP && new Config(file).get('framework') === 'auto') {
      throw new UserFacingError(`${path.basename(file.fsPath)} is marked as not an app, so it is not previewed.`, [
        { title: 'Choose Framework…', run: () => vscode.commands.executeCommand('dataAppPreview.chooseFramework', file) },
      ]);
    }
    const observableRoot = findObservableRoot(file.fsPath, folder.uri.fsPath);
    let framework = this.frameworkFromSettings(file);
    if (!framework) {
      const text = doc?.getText() ?? (await fs.promises.readFile(file.fsPath, 'utf8'));
      const detection = detectFramework({ filePath: file.fsPath, text, observableRoot });
      if (detection) {
        this.log.info(`${vscode.workspace.asRelativePath(file)}: ${FRAMEWORKS[detection.framework].label} (${detection.reason})`);
        framework = detection.framework;
      }
    }
    if (!framework) {
      if (!interactive) return undefined;
      const picked = await this.askFramework(file, `No known framework found in ${path.basename(file.fsPath)}. How should it run?`);
      if (!picked || picked === NOT_AN_APP) return undefined;
      framework = picked;
    }
    if (framework === 'custom' && !(await this.ensureCustomCommand(file, interactive))) return undefined;
    return { file, folder, framework, observableRoot };
  }

  private frameworkFromSettings(file: vscode.Uri): FrameworkId | undefined {
    const fromSetting = new Config(file).get('framework');
    if (fromSetting !== 'auto') {
      if (isFrameworkId(fromSetting)) return fromSetting;
      throw new UserFacingError(`"${SECTION}.framework" is "${fromSetting}", which is not a known framework. Use "auto" or one of: ${FRAMEWORK_IDS.join(', ')}.`);
    }
    const remembered = this.memento.get<string>(`framework:${file.toString()}`);
    return isFrameworkId(remembered) ? remembered : undefined;
  }

  /** The user's choice, remembered for the workspace: a framework, or "not an app" (nothing is previewed). */
  async askFramework(file: vscode.Uri, placeHolder: string): Promise<FrameworkId | typeof NOT_AN_APP | undefined> {
    const items: Array<vscode.QuickPickItem & { id: FrameworkId | typeof NOT_AN_APP }> = FRAMEWORK_IDS.map((id) => ({
      label: FRAMEWORKS[id].label,
      description: id === 'custom' ? `"${SECTION}.customCommand"` : id,
      id,
    }));
    items.push({
      label: 'This file is not an app',
      description: 'do not preview it',
      detail: 'Remembered for this workspace; change it with "Data App: Choose Framework for This File".',
      id: NOT_AN_APP,
    });
    const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
    if (!picked) return undefined;
    await this.memento.update(`framework:${file.toString()}`, picked.id);
    if (picked.id === NOT_AN_APP)
      void vscode.window.showInformationMessage(`${path.basename(file.fsPath)} will not be previewed. Change this with "Data App: Choose Framework for This File".`);
    return picked.id;
  }

  /** A custom command must exist and use only known placeholders before anything runs. */
  private async ensureCustomCommand(file: vscode.Uri, interactive: boolean): Promise<boolean> {
    const current = new Config(file).get('customCommand');
    const problem = validateCommand(current);
    if (!problem) return true;
    if (!interactive) throw new UserFacingError(problem);
    const value = await vscode.window.showInputBox({
      title: 'Custom command to run the app',
      prompt: `Placeholders: ${PLACEHOLDERS.map((p) => '${' + p + '}').join(' ')}. The server must listen on \${host}:\${port}.`,
      value: current || '${python} ${file} --port ${port}',
      validateInput: (v) => validateCommand(v),
      ignoreFocusOut: true,
    });
    if (value === undefined) return false;
    await vscode.workspace.getConfiguration(SECTION, file).update('customCommand', value, vscode.ConfigurationTarget.WorkspaceFolder);
    return true;
  }
}

/** Why a custom command cannot run, or undefined when it can. */
export function validateCommand(command: string): string | undefined {
  if (!command.trim()) return `The custom command is empty. Set "${SECTION}.customCommand", e.g. "\${python} \${file} --port \${port}".`;
  const bad = unknownPlaceholders(command);
  if (bad.length) return `Unknown placeholder ${bad.map((b) => '${' + b + '}').join(', ')}. Use one of ${PLACEHOLDERS.map((p) => '${' + p + '}').join(', ')}.`;
  try {
    splitCommandLine(command);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

function findObservableRoot(file: string, workspaceRoot: string): string | undefined {
  let dir = path.dirname(file);
  for (;;) {
    if (OBSERVABLE_CONFIGS.some((c) => fs.existsSync(path.join(dir, c)))) return dir;
    if (dir === workspaceRoot || path.dirname(dir) === dir || !dir.startsWith(workspaceRoot)) return undefined;
    dir = path.dirname(dir);
  }
}
