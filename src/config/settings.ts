// The settings this extension reads: names, types and when a change takes effect.
// package.json is the only source of defaults; test/unit/manifest.test.ts checks that the
// manifest and this table agree. No `vscode` import.

export const SECTION = 'dataAppPreview';

/** live: read on every use; restart: applies to an app's next start (running apps are offered a restart). */
export type SettingEffect = 'live' | 'restart';

export interface SettingSpec {
  readonly type: 'string' | 'integer' | 'boolean' | 'array';
  readonly effect: SettingEffect;
}

export const SETTINGS = {
  framework: { type: 'string', effect: 'restart' },
  pythonPath: { type: 'string', effect: 'restart' },
  customCommand: { type: 'string', effect: 'restart' },
  customUrlPath: { type: 'string', effect: 'restart' },
  port: { type: 'integer', effect: 'restart' },
  envFile: { type: 'string', effect: 'restart' },
  cwd: { type: 'string', effect: 'restart' },
  restartOnSave: { type: 'boolean', effect: 'live' },
  watchGlob: { type: 'string', effect: 'live' },
  watchExclude: { type: 'array', effect: 'live' },
  restartDebounceMs: { type: 'integer', effect: 'live' },
  startTimeoutSeconds: { type: 'integer', effect: 'live' },
  stopGraceMs: { type: 'integer', effect: 'live' },
  warmStandby: { type: 'boolean', effect: 'live' },
  overlapRestarts: { type: 'boolean', effect: 'live' },
  'azure.emulatorPort': { type: 'integer', effect: 'restart' }, // the emulator account's endpoint that apps get
  'azure.azuritePath': { type: 'string', effect: 'live' },
  'azure.cloud': { type: 'string', effect: 'live' },
  'azure.tenant': { type: 'string', effect: 'live' },
  'azure.userDelegationSas': { type: 'boolean', effect: 'restart' },
  'debug.justMyCode': { type: 'boolean', effect: 'restart' },
  'debug.openPreview': { type: 'boolean', effect: 'live' },
  'debug.stopAppOnDisconnect': { type: 'boolean', effect: 'live' },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

export interface SettingValues {
  framework: string;
  pythonPath: string;
  customCommand: string;
  customUrlPath: string;
  port: number;
  envFile: string;
  cwd: string;
  restartOnSave: boolean;
  watchGlob: string;
  watchExclude: string[];
  restartDebounceMs: number;
  startTimeoutSeconds: number;
  stopGraceMs: number;
  warmStandby: boolean;
  overlapRestarts: boolean;
  'azure.emulatorPort': number;
  'azure.azuritePath': string;
  'azure.cloud': string;
  'azure.tenant': string;
  'azure.userDelegationSas': boolean;
  'debug.justMyCode': boolean;
  'debug.openPreview': boolean;
  'debug.stopAppOnDisconnect': boolean;
}

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];
