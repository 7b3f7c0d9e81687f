import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildCsp, buildPreviewHtml, makeNonce, toOrigin } from '../../src/preview/html';
import type { StatusMessage } from '../../src/preview/protocol';

const status: StatusMessage = {
  type: 'status',
  state: 'starting',
  appName: 'app.py',
  filePath: '/w/app.py',
  framework: 'Panel',
  restarts: 0,
  generation: 0,
};

describe('CSP and HTML', () => {
  it('nonces are random, 16 bytes, base64', () => {
    const a = makeNonce();
    assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(a, makeNonce());
  });
  it('the CSP allows only the nonce script and exactly the app origins as frames', () => {
    const csp = buildCsp('https://wv.src', 'N1', ['http://127.0.0.1:5000/app?x=1', 'https://cs.example:8080/proxy/5000/', 'javascript:alert(1)', 'http://127.0.0.1:5000']);
    assert.equal(
      csp,
      [
        "default-src 'none'",
        "script-src 'nonce-N1'",
        'style-src https://wv.src',
        'font-src https://wv.src',
        'img-src https://wv.src data:',
        'frame-src http://127.0.0.1:5000 https://cs.example:8080',
      ].join('; '),
    );
    assert.match(buildCsp('s', 'n', []), /frame-src 'none'/);
    assert.equal(toOrigin('file:///etc/passwd'), undefined);
  });
  it('every script carries the nonce and there is no inline script', () => {
    const html = buildPreviewHtml({
      cspSource: 'https://wv.src',
      scriptUri: 'https://wv.src/dist/webview.js',
      styleUri: 's.css',
      codiconsUri: 'c.css',
      frameOrigins: ['http://127.0.0.1:1'],
      initial: status,
      nonce: 'NONCE',
      token: 'TOKEN"<x>',
    });
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0], /nonce="NONCE" src="https:\/\/wv.src\/dist\/webview.js"/);
    assert.match(html, /<\/script>\s*<\/body>/);
    assert.match(html, /data-token="TOKEN&quot;&lt;x&gt;"/, 'the token is an escaped attribute');
    assert.doesNotMatch(html, /<script[^>]*>[^<]+<\/script>/);
  });
  it('state goes in an escaped attribute, so hostile names cannot inject markup', () => {
    const evil = {
      ...status,
      appName: '"><script>alert(1)</script>.py',
      error: { message: '</pre><img src=x onerror=alert(1)>', output: "'&", kind: 'crash' as const, hint: '<b>h</b>' },
    };
    const html = buildPreviewHtml({ cspSource: 'x', scriptUri: 'a.js', styleUri: 's', codiconsUri: 'c', frameOrigins: [], initial: evil, nonce: 'n', token: 't' });
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /<img src=x/);
    const attr = /data-initial="([^"]*)"/.exec(html)![1]!;
    const decoded = attr
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    assert.deepEqual(JSON.parse(decoded), evil);
  });
});

describe('the first frame', () => {
  it('a starting app shows its overlay before the script runs; a running one shows none', () => {
    const page = (state: 'starting' | 'ready') =>
      buildPreviewHtml({ cspSource: 'x', scriptUri: 'a.js', styleUri: 's', codiconsUri: 'c', frameOrigins: [], initial: { ...status, state }, nonce: 'n', token: 't' });
    assert.match(page('starting'), /<section id="overlay" class="overlay overlay-starting">/);
    assert.match(page('starting'), /<h2 id="overlay-title">Starting…<\/h2>/);
    assert.match(page('starting'), /<span id="state" class="state state-starting"[^>]*>Starting…<\/span>/);
    assert.match(page('ready'), /<section id="overlay" class="overlay overlay-ready" hidden>/);
  });
});
