import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isFollowedMessage, isHostToWebview, isPersistedPreview, isSignedBy, isWebviewToHost } from '../../src/preview/protocol';

describe('protocol guards', () => {
  it('accepts well-formed webview messages only', () => {
    assert.ok(isWebviewToHost({ type: 'ready' }));
    assert.ok(isWebviewToHost({ type: 'action', action: 'restart' }));
    for (const bad of [null, 'ready', {}, { type: 'action', action: 'rm -rf' }, { type: 'action' }, { type: 'frameLoaded', generation: 1 }, { type: 'eval', code: 'x' }]) {
      assert.ok(!isWebviewToHost(bad), JSON.stringify(bad));
    }
  });
  it('accepts well-formed host messages only', () => {
    const ok = { type: 'status', state: 'ready', appName: 'a.py', filePath: '/a.py', framework: 'Panel', restarts: 0, generation: 1, url: 'http://127.0.0.1:1/' };
    assert.ok(isHostToWebview(ok));
    assert.ok(isHostToWebview({ type: 'reloadFrame' }));
    assert.ok(!isHostToWebview({ ...ok, state: 'exploded' }));
    assert.ok(!isHostToWebview({ ...ok, url: 5 }));
    assert.ok(!isHostToWebview({ ...ok, error: { message: 1 } }));
    assert.ok(!isHostToWebview({ ...ok, filePath: undefined }));
  });
  it("the one message taken from the app's page: it followed a restart", () => {
    assert.ok(isFollowedMessage({ dataAppPreview: 'followed', run: 'r1' }));
    for (const bad of [null, 'followed', { dataAppPreview: 'followed' }, { dataAppPreview: 'reload', run: 'r1' }, { type: 'status', dataAppPreview: 'x' }]) {
      assert.ok(!isFollowedMessage(bad), JSON.stringify(bad));
    }
  });
  it('persisted state must name a file', () => {
    assert.ok(isPersistedPreview({ version: 1, filePath: '/w/app.py' }));
    assert.ok(!isPersistedPreview({ version: 2, filePath: '/w/app.py' }));
    assert.ok(!isPersistedPreview({ version: 1, filePath: '' }));
    assert.ok(!isPersistedPreview(undefined));
  });
  it("takes a host message only with the panel's token", () => {
    const ok = { type: 'status', state: 'ready', appName: 'a.py', filePath: '/a.py', framework: 'Panel', restarts: 0, generation: 1 };
    assert.ok(isSignedBy({ ...ok, token: 'secret' }, 'secret'));
    assert.ok(isSignedBy({ type: 'reloadFrame', token: 'secret' }, 'secret'));
    for (const bad of [ok, { ...ok, token: 'other' }, { ...ok, token: '' }, { type: 'reloadFrame' }]) assert.ok(!isSignedBy(bad, 'secret'), JSON.stringify(bad));
    assert.ok(!isSignedBy({ ...ok, token: '' }, ''), 'no token: nothing is taken');
  });
});
