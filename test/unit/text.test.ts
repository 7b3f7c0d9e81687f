import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ChangeFilter, ContentFingerprints } from '../../src/core/changes';
import { describeLines, EnvFileError, parseDotenv, readEnvFile } from '../../src/core/dotenv';
import { childEnvironment } from '../../src/core/env';
import { TextTail } from '../../src/core/tail';

// python-dotenv expands ${…} in single quotes too (checked against the real one in test/integration/dotenv.test.ts).
describe('parseDotenv', () => {
  it('reads the common forms', () => {
    const text = [
      '# comment',
      'A=1',
      'export B = two words  # trailing',
      "C='single ${A}'",
      'D="dbl\\nline ${A} ${HOME_X:-dflt}"',
      'E=${A}-${BASE}',
      'F="multi',
      'line"',
      'bad line',
      'G=',
    ].join('\n');
    const { values, badLines } = parseDotenv(text, { BASE: 'b' });
    assert.deepEqual(values, { A: '1', B: 'two words', C: 'single 1', D: 'dbl\nline 1 dflt', E: '1-b', F: 'multi\nline', G: '' });
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
  it('10,000 changes at once: a bounded number of files open, and none lost (every one reported changed)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-fp-many-'));
    try {
      const files = Array.from({ length: 10_000 }, (_, i) => path.join(dir, `f${i}.py`));
      for (const f of files) fs.writeFileSync(f, 'x = 1\n');
      const fp = new ContentFingerprints();
      for (let i = 0; i < files.length; i += 500) await Promise.all(files.slice(i, i + 500).map((f) => fp.remember(f)));
      for (const f of files) fs.writeFileSync(f, 'x = 2\n');
      const openFds = () => fs.readdirSync('/proc/self/fd').length;
      const base = openFds();
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, openFds())), 2);
      const results = await Promise.all(files.map((f) => fp.changed(f)));
      clearInterval(sampler);
      assert.equal(results.filter(Boolean).length, files.length, 'every change reported');
      assert.ok(peak - base <= 64, `open files peaked at ${peak - base} above the ${base} before`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

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

describe('readEnvFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-envfile-'));
  const file = (name: string, data: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, data);
    return p;
  };

  it('reads a file; a missing one is simply absent', async () => {
    assert.deepEqual((await readEnvFile(file('ok.env', 'A=1\nB="x'), {}))?.values, { A: '1' });
    assert.equal(await readEnvFile(path.join(dir, 'missing.env'), {}), undefined);
  });

  it('a folder, a huge file, a binary file or a value too big for exec() get a short, clear message', async () => {
    await assert.rejects(readEnvFile(dir, {}), (e: Error) => e instanceof EnvFileError && /is a folder/.test(e.message));
    await assert.rejects(
      readEnvFile(file('huge.env', 'A=1\n'.repeat(300_000)), {}),
      (e: Error) => e instanceof EnvFileError && /1\.1 MB.*cannot hold more than 1 MB/.test(e.message) && e.message.length < 300,
    );
    await assert.rejects(readEnvFile(file('bin.env', Buffer.from([65, 61, 0, 1, 2])), {}), /not a text file/);
    // An unclosed quote swallows the rest of the file into one value (as python-dotenv does when it closes later).
    await assert.rejects(readEnvFile(file('big.env', `A="${'x'.repeat(200_000)}"`), {}), (e: Error) => /value of A is 195 KB.*at most 128 KB/.test(e.message));
  });

  it('names unreadable lines briefly', () => {
    assert.equal(describeLines([3]), 'line 3');
    assert.equal(describeLines([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 'lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more');
  });
});
