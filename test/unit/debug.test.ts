// Debug App's core parts: the launch under debugpy, the "listening" line, the attach configuration.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  attachConfiguration,
  dataAppOf,
  DEBUG_READY_PATH,
  DEBUG_SENTINEL,
  debugLaunch,
  DebugLineScanner,
  NotDebuggableError,
  OWN_DEBUG_TYPE,
  PYTHON_DEBUGGER_TYPE,
  type DebugListening,
} from '../../src/core/debug';
import { buildLaunch, type LaunchContext } from '../../src/core/launch';

const ctx = (over: Partial<LaunchContext>): LaunchContext => ({
  framework: 'flask',
  filePath: '/w/app.py',
  text: 'import flask\n',
  python: '/venv/bin/python',
  host: '127.0.0.1',
  port: 8100,
  workspaceFolder: '/w',
  launcherPath: '/ext/python/dap_launch.py',
  ...over,
});
const opts = { launcherPath: '/ext/python/dap_launch.py', address: { host: '127.0.0.1', port: 5678 } };

describe('debugLaunch', () => {
  test('a framework CLI (python -m …) runs through the launcher with --debug, its arguments unchanged', () => {
    const spec = buildLaunch(ctx({ framework: 'panel', filePath: '/w/dash.py', text: 'import panel' }));
    const d = debugLaunch(spec, opts);
    assert.deepEqual(d.args, ['/ext/python/dap_launch.py', '--debug', '127.0.0.1:5678', '--module', 'panel', ...spec.args.slice(2)]);
    assert.equal(d.command, spec.command);
    assert.equal(d.python?.debug, '127.0.0.1:5678');
    assert.equal(d.readyPath, DEBUG_READY_PATH);
    assert.equal(d.urlPath, spec.urlPath, 'the page shown is the same');
    assert.ok(d.python?.preload.includes('debugpy') && d.python.preload.includes('panel'));
    assert.equal(d.env.PYDEVD_DISABLE_FILE_VALIDATION, '1');
  });

  test('a script already run by the launcher (Dash) gets --debug once, before --script', () => {
    const spec = buildLaunch(ctx({ framework: 'dash', text: 'import dash' }));
    assert.deepEqual(spec.args, ['/ext/python/dap_launch.py', '--script', '/w/app.py']);
    const d = debugLaunch(spec, opts);
    assert.deepEqual(d.args, ['/ext/python/dap_launch.py', '--debug', '127.0.0.1:5678', '--script', '/w/app.py']);
    assert.equal(d.python?.reloadersOff, true);
    assert.equal(d.env.PORT, '8100', "the framework's own variables stay");
  });

  test('a plain script (Gradio) and a custom ${python} command are debuggable; others say why not', () => {
    assert.deepEqual(debugLaunch(buildLaunch(ctx({ framework: 'gradio' })), opts).args.slice(1), ['--debug', '127.0.0.1:5678', '--script', '/w/app.py']);
    const custom = buildLaunch(ctx({ framework: 'custom', customCommand: '${python} -m uvicorn app:api --port ${port}' }));
    assert.deepEqual(debugLaunch(custom, opts).args.slice(3), ['--module', 'uvicorn', 'app:api', '--port', '8100']);
    assert.throws(() => debugLaunch(buildLaunch(ctx({ framework: 'custom', customCommand: 'gunicorn app:api' })), opts), NotDebuggableError);
    assert.throws(() => debugLaunch(buildLaunch(ctx({ framework: 'observable', filePath: '/w/src/index.md' })), opts), /Observable/);
  });

  test("the Python Debugger extension's bundled debugpy is handed over when given", () => {
    const d = debugLaunch(buildLaunch(ctx({})), { ...opts, debugpyPath: '/ext/bundled/libs' });
    assert.equal(d.env.DATA_APP_DEBUGPY_PATH, '/ext/bundled/libs');
  });
});

describe('DebugLineScanner', () => {
  const line = `${DEBUG_SENTINEL} {"host": "127.0.0.1", "port": 5678, "pid": 42}\n`;
  const scan = (chunks: string[]) => {
    const seen: DebugListening[] = [];
    const s = new DebugLineScanner((l) => seen.push(l));
    return { text: chunks.map((c) => s.push(c)).join(''), seen };
  };

  test('takes the line out and reports it, however the chunks are cut', () => {
    const whole = `before\n${line}after\n`;
    for (let cut = 0; cut <= whole.length; cut++) {
      const r = scan([whole.slice(0, cut), whole.slice(cut)]);
      assert.equal(r.text, 'before\nafter\n', `cut at ${cut}`);
      assert.deepEqual(r.seen, [{ host: '127.0.0.1', port: 5678, pid: 42 }], `cut at ${cut}`);
    }
  });

  test('passes other text (NUL bytes included) through at once, and ignores a malformed line', () => {
    assert.deepEqual(scan(['plain ']).text, 'plain ');
    assert.equal(scan(['a\0b\n']).text, 'a\0b\n');
    const bad = scan([`${DEBUG_SENTINEL} {nope}\nok\n`]);
    assert.equal(bad.text, 'ok\n');
    assert.deepEqual(bad.seen, []);
  });
});

describe('attachConfiguration', () => {
  const listening = { host: '127.0.0.1', port: 5678, pid: 42 };
  for (const type of [OWN_DEBUG_TYPE, PYTHON_DEBUGGER_TYPE] as const) {
    test(`${type}: attach to debugpy's port, justMyCode as set, our launcher never "my code"`, () => {
      const c = attachConfiguration({ type, appFile: '/w/app.py', listening, justMyCode: false, launcherDir: '/ext/python', runId: 'r1' });
      assert.equal(c.type, type);
      assert.equal(c.request, 'attach');
      assert.deepEqual(c.connect, { host: '127.0.0.1', port: 5678 });
      assert.equal(c.justMyCode, false);
      assert.deepEqual(c.rules, [{ path: '/ext/python/**', include: false }]);
      assert.equal(c.name, 'Data App: app.py');
      assert.deepEqual(dataAppOf(c), { appFile: '/w/app.py', runId: 'r1', pid: 42 });
    });
  }
  test('configurations that are not ours are told apart', () => {
    assert.equal(dataAppOf({ type: 'debugpy', request: 'attach' }), undefined);
    assert.equal(dataAppOf({ dataAppPreview: { appFile: 1 } }), undefined);
  });
});
