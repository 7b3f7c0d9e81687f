// Typed access to the settings, scoped to a resource. Defaults come from package.json only.
import * as vscode from 'vscode';
import { SECTION, SETTINGS, type SettingName, type SettingValues } from './settings';

export class Config {
  constructor(private readonly scope?: vscode.ConfigurationScope) {}

  get<K extends SettingName>(name: K): SettingValues[K] {
    const value = vscode.workspace.getConfiguration(SECTION, this.scope).get<SettingValues[K]>(name);
    if (value === undefined) throw new Error(`Setting ${SECTION}.${name} has no default in package.json`);
    return value;
  }

  /** Whether the user set `name` anywhere (not just its default). */
  isSet(name: SettingName): boolean {
    const i = vscode.workspace.getConfiguration(SECTION, this.scope).inspect(name);
    return [i?.globalValue, i?.workspaceValue, i?.workspaceFolderValue].some((v) => v !== undefined);
  }

  static affectsRestart(e: vscode.ConfigurationChangeEvent, scope?: vscode.ConfigurationScope): boolean {
    return (Object.keys(SETTINGS) as SettingName[]).some((k) => SETTINGS[k].effect === 'restart' && e.affectsConfiguration(`${SECTION}.${k}`, scope));
  }
}
