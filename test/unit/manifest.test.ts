import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_IDS } from '../../src/config/commands';
import { SECTION, SETTINGS, SETTING_NAMES } from '../../src/config/settings';
import { FRAMEWORK_IDS } from '../../src/core/frameworks';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const props: Record<string, { type: string; default: unknown; enum?: string[] }> = manifest.contributes.configuration.properties;

describe('manifest ↔ typed config', () => {
  it('declares exactly the settings the code reads, with matching types and a default', () => {
    assert.deepEqual(Object.keys(props).sort(), SETTING_NAMES.map((n) => `${SECTION}.${n}`).sort());
    for (const name of SETTING_NAMES) {
      const p = props[`${SECTION}.${name}`]!;
      assert.equal(p.type, SETTINGS[name].type, name);
      assert.notEqual(p.default, undefined, `${name} has no default`);
      const actual = Array.isArray(p.default) ? 'array' : Number.isInteger(p.default) && p.type === 'integer' ? 'integer' : typeof p.default;
      assert.equal(actual, p.type, `${name} default type`);
    }
  });
  it('offers every framework in the framework setting', () => {
    assert.deepEqual(props[`${SECTION}.framework`]!.enum, ['auto', ...FRAMEWORK_IDS]);
  });
  it('declares exactly the commands the code registers, and menus name only those', () => {
    const declared = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(declared, [...COMMAND_IDS].sort());
    for (const [where, items] of Object.entries(manifest.contributes.menus as Record<string, Array<{ command: string }>>)) {
      for (const item of items) assert.ok((COMMAND_IDS as readonly string[]).includes(item.command), `${where}: ${item.command}`);
    }
  });
  it('is a workspace extension that refuses untrusted workspaces, on VS Code 1.100', () => {
    assert.deepEqual(manifest.extensionKind, ['workspace']);
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, false);
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.equal(manifest.devDependencies['@types/vscode'], '~1.100.0');
    assert.ok(manifest.activationEvents.includes('onWebviewPanel:dataAppPreview.preview'));
  });
  it('the allow-list .vscodeignore ships only what runs', () => {
    const lines = fs
      .readFileSync(path.join(root, '.vscodeignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(lines[0], '**', 'starts by excluding everything');
    for (const l of lines.slice(1)) assert.ok(l.startsWith('!'), `${l} must be an allow entry`);
  });
});
