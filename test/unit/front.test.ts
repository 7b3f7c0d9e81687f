// The front proxy's pure parts: where its script goes in a page, which URLs are its own, and
// how a page's console message is checked, redacted and shown.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { redact } from '../../src/azure/connection';
import { formatConsoleEntry, parseConsoleEntry } from '../../src/core/browser-console';
import { ownRoute } from '../../src/core/front-routes';
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
