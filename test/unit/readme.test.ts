import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { SECTION, SETTINGS } from '../../src/config/settings';
import { FRAMEWORK_IDS } from '../../src/core/frameworks';

const root = path.resolve(__dirname, '../../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('README matches the code', () => {
  it('starts with exactly the two commands: npm start and npm test', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.replace(/#.*/, '').trim());
    assert.deepEqual(commands, ['npm ci && npm start', 'npm ci && npm test']);
    assert.ok(readme.indexOf('```sh') < 40, 'the commands come first');
  });
  it('the settings table lists every setting with its real default', () => {
    for (const [key, spec] of Object.entries(manifest.contributes.configuration.properties as Record<string, { default: unknown }>)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
      assert.ok(row, `README has a row for ${key}`);
      assert.ok(row.includes(`\`${JSON.stringify(spec.default)}\``), `${key}: README default should be ${JSON.stringify(spec.default)}`);
    }
  });
  it('says when each setting applies as the settings table of the code does (live: at once; restart: next start)', () => {
    for (const [name, spec] of Object.entries(SETTINGS)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${SECTION}.${name}\` |`))!;
      assert.equal(row.split('|')[3]!.trim(), spec.effect === 'live' ? 'at once' : 'next start', name);
    }
  });
  it('names every command and every framework', () => {
    for (const c of manifest.contributes.commands as Array<{ title: string }>) assert.ok(readme.includes(c.title), c.title);
    for (const id of FRAMEWORK_IDS) assert.ok(readme.includes(`\`${id}\``), id);
  });
  it('the framework table says which pinned version each row is tested with', () => {
    const locks = ['main', 'seed'].map((l) => fs.readFileSync(path.join(root, 'requirements', `${l}.txt`), 'utf8').toLowerCase()).join('\n');
    const header = readme.split('\n').findIndex((l) => l.startsWith('| framework | command | page | tested with (CI) |'));
    assert.ok(header > 0, 'the table has a "tested with (CI)" column');
    const after = readme.split('\n').slice(header + 2);
    const rows = after.slice(
      0,
      after.findIndex((l) => !l.startsWith('|')),
    );
    assert.equal(rows.length, 13, 'one row per framework');
    for (const row of rows) {
      const cell = row.split('|').slice(-2)[0]!.trim();
      assert.ok(cell, `${row.slice(0, 30)}: says what it is tested with`);
      for (const [, name, version] of cell.matchAll(/([A-Za-z][\w.-]*) (\d+\.\d+\.\d+)/g)) {
        const pin = name === 'Framework' ? manifest.devDependencies['@observablehq/framework'] === version : locks.includes(`\n${name!.toLowerCase()}==${version}\n`);
        assert.ok(pin, `"${name} ${version}" is what requirements/ (or package.json) pins`);
      }
    }
  });
  it('the screenshot it shows exists', () => {
    for (const m of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(fs.existsSync(path.join(root, m[1]!)), m[1]);
  });
});

describe('the tree reads as the architecture', () => {
  it('no source file is over 300 lines (split a file when it grows a second job)', () => {
    const files: string[] = [];
    (function walk(dir: string) {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|py)$/.test(e.name)) files.push(p);
      }
    })(path.join(root, 'src'));
    for (const f of fs.readdirSync(path.join(root, 'python'))) if (f.endsWith('.py')) files.push(path.join(root, 'python', f));
    const long = files.map((f) => [path.relative(root, f), fs.readFileSync(f, 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > 300);
    assert.deepEqual(long, []);
  });
});
