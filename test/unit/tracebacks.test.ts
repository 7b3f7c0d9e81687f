// The traceback filter, the failure classification, the link parsing and the shutdown fold, on
// tracebacks that real runs printed (test/fixtures/tracebacks: our launcher, `python -m`, a
// SIGINT to asyncio.run; paths rewritten to /ext, /ws and /usr/lib).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { classifyFailure, failureHint } from '../../src/core/failures';
import { StderrView } from '../../src/core/stderr-view';
import { dropOurFrames, foldShutdownNoise, FrameFilter, locationIn, locations } from '../../src/core/tracebacks';
import { isUserFile, shownOutput } from '../../src/preview/status';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tracebacks');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const inWs = (f: string) => isUserFile(path.resolve('/ws', f), '/ws');

describe('dropOurFrames: the user sees their own code first', () => {
  it('a syntax error through the launcher: only the SyntaxError block is left', () => {
    const raw = fixture('syntax-launcher.txt');
    assert.match(raw, /dap_launch\.py/); // the precondition: the real run printed our frames
    const out = dropOurFrames(raw);
    assert.doesNotMatch(out, /dap_launch|runpy|sys\.exit\(main/);
    assert.equal(out, ['Traceback (most recent call last):', '  File "/ws/syn.py", line 2', '    x = (', '        ^', "SyntaxError: '(' was never closed", ''].join('\n'));
  });
  it('python -m: the <frozen runpy> frames go, the user frames and their source lines stay', () => {
    const out = dropOurFrames(fixture('missing-module-m.txt'));
    assert.doesNotMatch(out, /frozen runpy/);
    assert.deepEqual(locations(out), [
      { file: '/ws/missmod.py', line: 4 },
      { file: '/ws/missmod.py', line: 3 },
    ]);
    assert.match(out, /^ {4}import dapfake_missing$/m);
  });
  it('the standby and a runpy.py on disk are ours too; a user file named like them in another name is not', () => {
    const text = [
      '  File "/x/python/dap_standby.py", line 9, in main',
      '    runpy.run_path(t)',
      '  File "/usr/lib/python3.11/runpy.py", line 1, in run_path',
      '  File "/ws/my_dap_launch.py", line 2, in f',
      '    g()',
      '',
    ].join('\n');
    assert.equal(dropOurFrames(text), '  File "/ws/my_dap_launch.py", line 2, in f\n    g()\n');
  });
  it('works on output that arrives in pieces, split anywhere', () => {
    const raw = fixture('syntax-launcher.txt');
    for (const size of [1, 3, 7, 64]) {
      const f = new FrameFilter();
      let out = '';
      for (let i = 0; i < raw.length; i += size) out += f.push(raw.slice(i, i + size));
      out += f.flush();
      assert.equal(out, dropOurFrames(raw), `chunks of ${size}`);
    }
  });
  it('the shown output also drops the debugger sentinel lines', () => {
    assert.equal(shownOutput('\0DAP-DEBUG-LISTENING {}\nhello\n\n'), 'hello');
  });
});

describe('locationIn: the links of the overlay', () => {
  it('finds the reference and where it sits in the line', () => {
    const line = '  File "/ws/my app.py", line 12, in <module>';
    const at = locationIn(line)!;
    assert.deepEqual({ file: at.file, line: at.line }, { file: '/ws/my app.py', line: 12 });
    assert.equal(line.slice(at.start, at.end), 'File "/ws/my app.py", line 12');
  });
  it('a SyntaxError location (no ", in") is a link; our frames and other lines are not', () => {
    assert.equal(locationIn('  File "/ws/a.py", line 2')?.line, 2);
    assert.equal(locationIn('  File "<frozen runpy>", line 88, in _run_code'), undefined);
    assert.equal(locationIn('File "x", line y'), undefined);
    assert.equal(locationIn('print("File \\"a.py\\", line 3")'), undefined);
  });
});

describe('classifyFailure: what kind of failure, and where in the user code', () => {
  it('syntax error: at its own location', () => {
    const f = classifyFailure({ output: dropOurFrames(fixture('syntax-launcher.txt')), exitCode: 1, isUserFile: inWs });
    assert.equal(f.kind, 'syntax');
    assert.deepEqual(f.location, { file: '/ws/syn.py', line: 2 });
    assert.match(failureHint(f, 'syn.py'), /cannot read syn\.py at line 2/);
  });
  it('missing module: its top-level name, and the deepest user frame', () => {
    const f = classifyFailure({ output: fixture('missing-module-m.txt'), exitCode: 1, isUserFile: inWs });
    assert.equal(f.kind, 'missing-module');
    assert.equal(f.module, 'dapfake_missing');
    assert.deepEqual(f.location, { file: '/ws/missmod.py', line: 3 });
    const dotted = classifyFailure({
      output: 'Traceback (most recent call last):\n  File "/ws/a.py", line 1\nModuleNotFoundError: No module named \'sklearn.linear_model\'',
      isUserFile: inWs,
    });
    assert.equal(dotted.module, 'sklearn');
  });
  it('an error inside an installed package points at the last user frame, not the package', () => {
    const out = [
      'Traceback (most recent call last):',
      '  File "/ws/app.py", line 7, in <module>',
      '    df = load()',
      '  File "/ws/.venv/lib/python3.11/site-packages/pandas/io.py", line 99, in read',
      '    raise ValueError("bad")',
      'ValueError: bad',
    ].join('\n');
    const f = classifyFailure({ output: out, exitCode: 1, isUserFile: inWs });
    assert.equal(f.kind, 'crash');
    assert.equal(f.exception, 'ValueError: bad');
    assert.deepEqual(f.location, { file: '/ws/app.py', line: 7 });
  });
  it('import error, port taken, not a server', () => {
    const imp = classifyFailure({
      output: "Traceback (most recent call last):\n  File \"/ws/a.py\", line 1, in <module>\n    from os import nope\nImportError: cannot import name 'nope' from 'os'",
      exitCode: 1,
      isUserFile: inWs,
    });
    assert.equal(imp.kind, 'import');
    const port = classifyFailure({
      output: 'Traceback (most recent call last):\n  File "/usr/lib/python3.11/socketserver.py", line 1, in bind\n    x\nOSError: [Errno 98] Address already in use',
      exitCode: 1,
      isUserFile: inWs,
    });
    assert.equal(port.kind, 'port-in-use');
    const script = classifyFailure({ output: 'total: 42\n', exitCode: 0, isUserFile: inWs });
    assert.equal(script.kind, 'not-a-server');
    assert.match(failureHint(script, 'report.py'), /HOST and PORT/);
    // exit 0 after a traceback is not "not a server"; a crash without exit code 0 is a crash
    assert.equal(
      classifyFailure({ output: 'Traceback (most recent call last):\n  File "/ws/a.py", line 1, in <module>\n    x\nNameError: x', exitCode: 0, isUserFile: inWs }).kind,
      'crash',
    );
    assert.equal(classifyFailure({ output: 'Segmentation fault', exitCode: null, isUserFile: inWs }).kind, 'crash');
  });
  it('isUserFile: the workspace, without environments and installed packages', () => {
    assert.ok(isUserFile('/ws/app.py', '/ws'));
    assert.ok(isUserFile('/ws/pkg/util.py', '/ws'));
    assert.ok(!isUserFile('/ws/.venv/lib/python3.11/site-packages/x.py', '/ws'));
    assert.ok(!isUserFile('/elsewhere/app.py', '/ws'));
    assert.ok(!isUserFile('/wsx/app.py', '/ws'));
  });
});

describe('foldShutdownNoise: a normal stop reads as one line', () => {
  it('the chained CancelledError → KeyboardInterrupt of asyncio.run is one line', () => {
    const raw = fixture('asyncio-sigint.txt');
    assert.ok(raw.split('\n').length > 20); // the precondition: the real noise is long
    const { text, folded } = foldShutdownNoise(`Serving on :8080\n${raw}Bye\n`);
    assert.equal(folded, 1);
    assert.equal(text.split('\n').filter((l) => l.startsWith('[shutdown')).length, 1);
    assert.match(text, /^Serving on :8080\n\[shutdown after the stop signal: KeyboardInterrupt traceback folded \(\d+ lines\)\]\nBye\n$/);
  });
  it('a real error while shutting down is kept whole', () => {
    const real = 'Traceback (most recent call last):\n  File "/ws/a.py", line 3, in close\n    db.flush()\nRuntimeError: flush failed\n';
    assert.deepEqual(foldShutdownNoise(real), { text: real, folded: 0 });
  });
});

describe('StderrView: what the output channel shows of stderr', () => {
  it('a run that is not stopping passes through at once, our frames dropped', () => {
    const v = new StderrView();
    const raw = fixture('syntax-launcher.txt');
    assert.equal(v.push(raw, 'r1', false), dropOurFrames(raw));
  });
  it('after our stop signal, stderr is held and folded when the run is gone', () => {
    const v = new StderrView();
    assert.equal(v.push('started\n', 'r1', false), 'started\n');
    assert.equal(v.push(fixture('asyncio-sigint.txt'), 'r1', true), '');
    const end = v.ended('r1');
    assert.match(end, /^\[shutdown after the stop signal: KeyboardInterrupt/);
    assert.equal(end.split('\n').filter(Boolean).length, 1);
    assert.equal(v.ended('r1'), '', 'nothing twice');
  });
  it('held output is bounded: past the cap it is shown as it is', () => {
    const v = new StderrView();
    const big = 'x'.repeat(1000) + '\n';
    let shown = '';
    for (let i = 0; i < 300; i++) shown += v.push(big, 'r1', true);
    assert.ok(shown.length > 0);
  });
});
