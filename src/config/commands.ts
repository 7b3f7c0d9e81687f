// Command ids: the manifest declares exactly these (checked by test/unit/manifest.test.ts).
export const COMMAND_IDS = [
  'dataAppPreview.preview',
  'dataAppPreview.showPreview',
  'dataAppPreview.restart',
  'dataAppPreview.stop',
  'dataAppPreview.stopAll',
  'dataAppPreview.reloadPreview',
  'dataAppPreview.openExternal',
  'dataAppPreview.showOutput',
  'dataAppPreview.showLog',
  'dataAppPreview.chooseFramework',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
