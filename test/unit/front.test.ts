// The front proxy's pure parts: where its script goes in a page, which URLs are its own, and
// how a page's console message is checked, redacted and shown.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { redact } from '../../src/azure/connection';
import { formatConsoleEntry, parseConsoleEntry } from '../../src/core/browser-console';
import { ownRoute } from '../../src/core/front-routes';
import { launchKey } from '../../src/core/hot';
import { HOT_FILE_VAR, hotLaunch, hotProbePath } from '../../src/core/hot-entry';
import type { LaunchSpec } from '../../src/core/launch';
import { isOurFrameFile } from '../../src/core/tracebacks';
import { frontOrigins, websocketOriginArgs } from '../../src/core/origins';
import { clientTag, injectTag } from '../../src/core/page-client';

const TAG = '<script src="/__dap__/client.js?run=r1"></script>';

describe('the script tag in pages', () => {
  it('goes first in <head>, else after <html>, else after the doctype, else first', () => {
    assert.equal(
      injectTag('<!doctype html><html lang="en"><head><title>t</title></head></html>', TAG),
      `<!doctype html><html lang="en"><head>${TAG}<title>t</title></head></html>`,
    );
    assert.equal(injectTag('<HTML><HEAD data-x="1"><script>app()</script>', TAG), `<HTML><HEAD data-x="1">${TAG}<script>app()</script>`);
    assert.equal(injectTag('<html><body>x</body></html>', TAG), `<html>${TAG}<body>x</body></html>`);
    assert.equal(injectTag('<!DOCTYPE html>\n<p>x', TAG), `<!DOCTYPE html>${TAG}\n<p>x`);
    assert.equal(injectTag('<p>x</p>', TAG), `${TAG}<p>x</p>`);
  });

  it('a <head> mentioned late in the page (in a script or text) is not taken for the real one', () => {
    const page = `<!doctype html>${'<!-- padding -->'.repeat(400)}<p>see <head> later</p>`;
    assert.ok(injectTag(page, TAG).startsWith(`<!doctype html>${TAG}`));
  });

  it('names the run and the forwarded prefix, encoded', () => {
    assert.equal(clientTag('/proxy/8123/', 'a b'), '<script src="/proxy/8123/__dap__/client.js?run=a%20b"></script>');
  });
});

describe("the proxy's own routes", () => {
  it('are the last __dap__/ segment of the path, wherever the page is', () => {
    assert.equal(ownRoute('/__dap__/client.js?run=x'), 'client.js');
    assert.equal(ownRoute('/proxy/8123/__dap__/events'), 'events');
    assert.equal(ownRoute('/app/sub/__dap__/console#x'), 'console');
    assert.equal(ownRoute('/app?next=/__dap__/events'), undefined, 'not in the query');
    assert.equal(ownRoute('/static/app.js'), undefined);
  });
});

describe('browser console messages', () => {
  it('accept only error and warn with a string message; fields are cut to 4,000 characters', () => {
    assert.equal(parseConsoleEntry('{', redact), undefined);
    assert.equal(parseConsoleEntry('null', redact), undefined);
    assert.equal(parseConsoleEntry(JSON.stringify({ level: 'log', message: 'x' }), redact), undefined);
    assert.equal(parseConsoleEntry(JSON.stringify({ level: 'error', message: 42 }), redact), undefined);
    const e = parseConsoleEntry(JSON.stringify({ level: 'warn', message: 'm'.repeat(10_000), source: 7, page: 'http://h/p' }), redact)!;
    assert.equal(e.message.length, 4000);
    assert.equal(e.source, '', 'a field of the wrong type is empty');
  });

  it('are redacted, and the page loses its query and fragment', () => {
    const e = parseConsoleEntry(
      JSON.stringify({
        level: 'error',
        message: 'GET https://a.blob.core.windows.net/c/x?sv=1&sig=abcDEF123%3D failed; AccountKey=k3y==;',
        source: 'http://127.0.0.1:8123/app:3:9',
        stack: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
        page: 'http://127.0.0.1:8123/app?token=secret#frag',
      }),
      redact,
    )!;
    assert.doesNotMatch(JSON.stringify(e), /abcDEF123|k3y==|eyJzdWIi|secret/);
    assert.equal(e.page, 'http://127.0.0.1:8123/app');
  });

  it('read in the output as [browser] lines with their source and page', () => {
    assert.equal(
      formatConsoleEntry({ level: 'warn', message: 'slow', source: 'http://h/app.js:3:9', stack: '', page: 'http://h/' }),
      '[browser] console.warn at http://h/app.js:3:9 (http://h/): slow\n',
    );
    assert.equal(
      formatConsoleEntry({
        level: 'error',
        message: 'Uncaught TypeError: x is undefined',
        source: 'http://h/:7:2',
        stack: 'TypeError: x\n  at f (http://h/:7:2)',
        page: 'http://h/',
      }),
      '[browser] error at http://h/:7:2 (http://h/): Uncaught TypeError: x is undefined\n    TypeError: x\n    at f (http://h/:7:2)\n',
    );
  });
});

describe("the front proxy's origins", () => {
  it('are given to Bokeh and Panel as allowed websocket origins', () => {
    const args = websocketOriginArgs({ host: '127.0.0.1', port: 40001, extraOrigins: frontOrigins('127.0.0.1', 8123) });
    assert.deepEqual(
      args.filter((a) => a !== '--allow-websocket-origin'),
      ['127.0.0.1:40001', 'localhost:40001', '127.0.0.1:8123', 'localhost:8123'],
    );
  });
});

describe('the hot standby', () => {
  const spec = (framework: 'panel' | 'bokeh' | 'streamlit' | 'dash', argv: string[], extra: Partial<LaunchSpec> = {}): LaunchSpec => ({
    framework,
    command: 'python',
    args: ['-m', framework, ...argv],
    cwd: '/w',
    env: {},
    urlPath: '/',
    python: { module: framework, argv, preload: [] },
    ...extra,
  });

  it('is used where the server runs no app code before a page connects, checked on a route that runs none', () => {
    assert.equal(hotProbePath(spec('streamlit', ['run', '/w/app.py'])), '/_stcore/health');
    assert.equal(hotProbePath(spec('panel', ['serve', '/w/app.py'])), '/static/js/bokeh.min.js');
    assert.equal(hotProbePath(spec('bokeh', ['serve', '/w/app.py'])), '/static/js/bokeh.min.js');
    assert.equal(hotProbePath(spec('dash', [])), undefined, 'Dash runs app code at import: warm standby');
    const debug = spec('streamlit', ['run', '/w/app.py']);
    assert.equal(hotProbePath({ ...debug, python: { ...debug.python!, debug: '127.0.0.1:5678' } }), undefined, 'not under the debugger');
  });

  it('Panel and Bokeh serve our entry, named like the app, which reads the app file when the first page connects', () => {
    const { spec: hot, env, cleanup } = hotLaunch(spec('panel', ['serve', '/w/my_app.py', '--port', '9']));
    try {
      const entry = hot.args[3]!;
      assert.equal(path.basename(entry), 'my_app.py', 'its URL stays /my_app');
      assert.deepEqual(hot.args.slice(4), ['--port', '9', '--args', '/w/my_app.py'], 'the app file is on the command line (ps, the Ports view)');
      assert.deepEqual(env, { [HOT_FILE_VAR]: '/w/my_app.py' });
      assert.match(fs.readFileSync(entry, 'utf8'), /compile\(_dap_f\.read\(\), _dap_kept\.file, "exec"\)/);
      assert.ok(isOurFrameFile(entry), "the entry's frames are dropped from tracebacks like the launcher's");
    } finally {
      cleanup();
    }
    assert.equal(fs.existsSync(path.dirname(hot.args[3]!)), false, 'cleanup removes it');
    const st = spec('streamlit', ['run', '/w/app.py']);
    assert.deepEqual(hotLaunch(st).spec, st, "Streamlit's own command serves");
  });

  it('a hot run is used only when a fresh build of the launch is the same', () => {
    const a = spec('streamlit', ['run', '/w/app.py']);
    assert.equal(launchKey(a, { A: '1', B: '2' }), launchKey({ ...a }, { B: '2', A: '1' }), 'the order of variables does not matter');
    assert.notEqual(launchKey(a, { A: '1' }), launchKey(a, { A: '2' }), 'a changed .env does');
    assert.notEqual(launchKey(a, {}), launchKey({ ...a, command: '/other/python' }, {}), 'a changed interpreter does');
  });
});
