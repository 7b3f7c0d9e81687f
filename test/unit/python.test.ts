import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { chooseInterpreter, findOnPath, ModuleMissingError, NoInterpreterError } from '../../src/core/python';

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
      assert.throws(() => chooseInterpreter({ pathEnv: empty }), (e: Error) => e instanceof NoInterpreterError && /Select Interpreter/.test(e.message));
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
