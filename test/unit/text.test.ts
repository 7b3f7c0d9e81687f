import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ChangeFilter, ContentFingerprints } from '../../src/core/changes';
import { parseDotenv } from '../../src/core/dotenv';
import { childEnvironment } from '../../src/core/env';
import { TextTail } from '../../src/core/tail';

describe('parseDotenv', () => {
  it('reads the common forms', () => {
    const text = [
      '# comment', 'A=1', 'export B = two words  # trailing', "C='single ${A}'", 'D="dbl\\nline ${A} ${HOME_X:-dflt}"', 'E=${A}-${BASE}', 'F="multi', 'line"', 'bad line', 'G=',
    ].join('\n');
    const { values, badLines } = parseDotenv(text, { BASE: 'b' });
    assert.deepEqual(values, { A: '1', B: 'two words', C: 'single ${A}', D: 'dbl\nline 1 dflt', E: '1-b', F: 'multi\nline', G: '' });
    assert.deepEqual(badLines, [9]);
  });
  it('handles CRLF files', () => {
    assert.deepEqual(parseDotenv('X=1\r\nY=2\r\n').values, { X: '1', Y: '2' });
  });
});

describe('childEnvironment', () => {
  it('layers .env under the profile, drops editor variables, keeps output unbuffered', () => {
    const env = childEnvironment({ PATH: '/bin', ELECTRON_RUN_AS_NODE: '1', PORT: 'old' }, { PORT: 'dotenv', X: 'x' }, { PORT: '5000' });
    assert.equal(env.PORT, '5000');
    assert.equal(env.X, 'x');
    assert.equal(env.ELECTRON_RUN_AS_NODE, undefined);
    assert.equal(env.PYTHONUNBUFFERED, '1');
    assert.equal(env.PATH, '/bin');
  });
});

describe('ChangeFilter', () => {
  const f = new ChangeFilter('/ws/app', '**/*.{py,csv}', ['out/**']);
  it('restarts for matching files under the app folder only', () => {
    assert.ok(f.matches('/ws/app/app.py'));
    assert.ok(f.matches('/ws/app/lib/helper.py'));
    assert.ok(f.matches('/ws/app/data/x.csv'));
    assert.ok(!f.matches('/ws/app/notes.docx'));
    assert.ok(!f.matches('/ws/other.py'));
    assert.ok(!f.matches('/ws/app'));
  });
  it('never restarts for virtualenvs, node_modules, .git, __pycache__ or excluded globs', () => {
    for (const p of ['.venv/lib/x.py', 'venv/x.py', 'node_modules/a/b.py', '.git/x.py', 'pkg/__pycache__/m.py', 'lib/site-packages/x.py', 'out/r.csv']) {
      assert.ok(!f.matches(`/ws/app/${p}`), p);
    }
  });
});

describe('ContentFingerprints', () => {
  it('reports real changes only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-fp-'));
    try {
      const file = path.join(dir, 'a.py');
      fs.writeFileSync(file, 'x = 1\n');
      const fp = new ContentFingerprints();
      await fp.remember(file);
      assert.equal(await fp.changed(file), false, 'same content (an auto-save) is no change');
      fs.writeFileSync(file, 'x = 2\n');
      assert.equal(await fp.changed(file), true);
      assert.equal(await fp.changed(file), false);
      fs.rmSync(file);
      assert.equal(await fp.changed(file), true, 'deleting is a change');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TextTail', () => {
  it('keeps only the newest characters and lines', () => {
    const t = new TextTail(10);
    t.push('0123456789');
    t.push('abc');
    assert.equal(t.text(), '3456789abc');
    assert.equal(t.length, 10);
    t.push('x'.repeat(25));
    assert.equal(t.text(), 'x'.repeat(10));
    const l = new TextTail(1000);
    l.push('a\nb\nc\nd\n');
    assert.equal(l.lastLines(2), 'c\nd');
  });
});
