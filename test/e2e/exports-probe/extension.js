// What any other installed extension can get from Data App Preview: activate it and look at its exports.
const fs = require('fs');
const vscode = require('vscode');

exports.activate = async () => {
  const out = process.env.DAP_PROBE_OUT;
  if (!out) return;
  const ext = vscode.extensions.getExtension('data-app-preview.data-app-preview');
  const api = ext ? await ext.activate() : undefined;
  const seen = { found: !!ext, active: !!ext?.isActive, type: typeof api, keys: api && typeof api === 'object' ? Object.keys(api) : [] };
  fs.writeFileSync(out, JSON.stringify(seen));
};
