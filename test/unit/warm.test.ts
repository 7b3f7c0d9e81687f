import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { pythonImportPaths } from '../../src/core/frameworks';
import type { LaunchSpec } from '../../src/core/launch';
import { preloadModules } from '../../src/core/preload';
import { keyOf } from '../../src/core/warm';

const spec: LaunchSpec = {
  framework: 'script',
  command: '/usr/bin/python3',
  args: ['/w/app.py'],
  cwd: '/w',
  env: { PORT: '5000', HOST: '127.0.0.1' },
  urlPath: '/',
  python: { script: '/w/app.py', argv: [], preload: ['pandas'] },
};

describe('preload', () => {
  it('reads full module paths from imports', () => {
    assert.deepEqual(pythonImportPaths('import matplotlib.pyplot as plt\nfrom pandas.io import sql\nimport os, json\nfrom . import x\n'), [
      'matplotlib.pyplot',
      'pandas.io',
      'os',
      'json',
    ]);
  });
  it('lists the framework modules, then the app imports, once each', () => {
    assert.deepEqual(preloadModules('flask', 'import flask\nimport pandas as pd\nimport helper'), ['flask', 'flask.cli', 'pandas', 'helper', 'pandas.io.formats.format']);
    assert.deepEqual(preloadModules('script', 'import tornado.web\nimport __main__'), ['tornado.web']);
    assert.deepEqual(preloadModules('script', 'import matplotlib.pyplot as plt'), ['matplotlib.pyplot', 'matplotlib.backends.backend_agg']);
  });
});

describe('standby key', () => {
  const env = { PATH: '/bin', A: '1', PORT: '5000' };
  const key = keyOf(spec, env);
  const withPreload = (preload: string[]): LaunchSpec => ({ ...spec, python: { ...spec.python!, preload } });
  it('is stable for the same launch, whatever the per-launch port', () => {
    assert.equal(keyOf(spec, { ...env }), key);
    assert.equal(keyOf({ ...spec, env: { PORT: '6000', HOST: '127.0.0.1' } }, { ...env, PORT: '6000' }), key);
  });
  it('changes with the interpreter, environment (.env), framework, directory or preload list', () => {
    for (const other of [
      keyOf({ ...spec, command: '/venv/bin/python' }, env),
      keyOf(spec, { ...env, A: '2' }),
      keyOf(spec, { ...env, NEW: 'x' }),
      keyOf({ ...spec, framework: 'dash' }, env),
      keyOf({ ...spec, cwd: '/elsewhere' }, env),
      keyOf(withPreload(['pandas', 'numpy']), env),
      keyOf({ ...spec, python: { module: 'x', argv: [], preload: ['pandas'] } }, env),
    ])
      assert.notEqual(other, key);
  });
});
