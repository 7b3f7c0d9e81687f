import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { chooseInterpreter, findOnPath, installPlan, interpreterKind, ModuleMissingError, NoInterpreterError, pipPackageFor, quoteForShell } from '../../src/core/python';
import { venvPython } from '../python-env';

function fakeBin(names: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-bin-'));
  for (const n of names) fs.writeFileSync(path.join(dir, n), '#!/bin/sh\n', { mode: 0o755 });
  return dir;
}

describe('chooseInterpreter', () => {
  it('prefers the Python extension, then the setting, then python3, then python', () => {
    const both = fakeBin(['python3', 'python']);
    const onlyPython = fakeBin(['python']);
    try {
      assert.deepEqual(chooseInterpreter({ fromPythonExtension: '/venv/bin/python', setting: 'python', pathEnv: both }), { path: '/venv/bin/python', source: 'python-extension' });
      assert.deepEqual(chooseInterpreter({ setting: 'python', pathEnv: both }), { path: path.join(both, 'python'), source: 'setting' });
      assert.deepEqual(chooseInterpreter({ setting: '  ', pathEnv: both }), { path: path.join(both, 'python3'), source: 'PATH' });
      assert.deepEqual(chooseInterpreter({ pathEnv: onlyPython }), { path: path.join(onlyPython, 'python'), source: 'PATH' });
    } finally {
      fs.rmSync(both, { recursive: true });
      fs.rmSync(onlyPython, { recursive: true });
    }
  });
  it('says clearly when there is none', () => {
    const empty = fakeBin([]);
    try {
      assert.throws(
        () => chooseInterpreter({ pathEnv: empty }),
        (e: Error) => e instanceof NoInterpreterError && /Select Interpreter/.test(e.message),
      );
      assert.throws(() => chooseInterpreter({ setting: '/nope/python', pathEnv: empty }), /\/nope\/python/);
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
  });
  it('ignores files that are not executable', () => {
    const dir = fakeBin([]);
    fs.writeFileSync(path.join(dir, 'python3'), '', { mode: 0o644 });
    try {
      assert.equal(findOnPath('python3', dir, 'linux'), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
  it('a missing module names the package and the install command', () => {
    const e = new ModuleMissingError('panel', 'panel', '/venv/bin/python', 'Panel');
    assert.match(e.message, /Panel is not installed for \/venv\/bin\/python/);
    assert.equal(e.installCommand, '/venv/bin/python -m pip install panel');
  });
});

describe('the install command shown and copied', () => {
  it('runs the interpreter at a hostile path in bash, with nothing in the path executed', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-quote-'));
    const dir = path.join(base, 'my env $(touch PWNED) `touch PWNED2` it\'s "here"');
    fs.mkdirSync(dir);
    const python = path.join(dir, 'python');
    fs.writeFileSync(python, '#!/bin/sh\necho "ran with: $*"\n', { mode: 0o755 });
    try {
      const err = new ModuleMissingError('panel', 'panel', python, 'Panel');
      assert.deepEqual(err.installArgs, ['-m', 'pip', 'install', 'panel']);
      const out = execFileSync('bash', ['-c', err.installCommand], { encoding: 'utf8', cwd: base });
      assert.equal(out.trim(), 'ran with: -m pip install panel');
      assert.deepEqual(
        fs.readdirSync(base).filter((n) => n.startsWith('PWNED')),
        [],
        'no command substitution ran',
      );
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('quotes for the platform it is pasted in', () => {
    assert.equal(quoteForShell('/usr/bin/python3'), '/usr/bin/python3');
    assert.equal(quoteForShell("a b'c", 'linux'), `'a b'\\''c'`);
    assert.equal(quoteForShell('C:\\Program Files\\Python "3"\\python.exe', 'win32'), '"C:\\Program Files\\Python ""3""\\python.exe"');
  });
});

describe('the install that works for an interpreter', () => {
  it("the project's venv is an environment: pip installs into it with its own python", async () => {
    const py = venvPython('main');
    const kind = await interpreterKind(py);
    assert.deepEqual(kind, { isEnvironment: true, externallyManaged: false });
    const plan = installPlan(py, 'panel', kind);
    assert.ok('args' in plan);
    assert.deepEqual(plan.args, ['-m', 'pip', 'install', 'panel']);
  });
  it(
    "Debian's own python3 is externally managed (PEP 668): no pip command, advice to make a venv",
    { skip: !fs.existsSync('/usr/bin/python3') && 'no /usr/bin/python3' },
    async () => {
      const kind = await interpreterKind('/usr/bin/python3');
      const managed = fs.readdirSync('/usr/lib').some((d) => /^python3\.\d+$/.test(d) && fs.existsSync(`/usr/lib/${d}/EXTERNALLY-MANAGED`));
      assert.equal(kind.externallyManaged, managed);
      const plan = installPlan('/usr/bin/python3', 'panel', { isEnvironment: false, externallyManaged: true });
      assert.ok('refused' in plan);
      assert.match(plan.refused, /PEP 668.*virtual environment/s);
    },
  );
  it('the PyPI name of a module where it differs', () => {
    assert.equal(pipPackageFor('sklearn'), 'scikit-learn');
    assert.equal(pipPackageFor('PIL.Image'), 'pillow');
    assert.equal(pipPackageFor('pandas'), 'pandas');
  });
});
