import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { isPortFree, looksLikePortInUse, pickFreePort } from '../../src/core/ports';
import { pollInterval, probeHttp, waitForHttp } from '../../src/core/readiness';

function listen(server: net.Server, port = 0): Promise<number> {
  return new Promise((r) => server.listen(port, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
}

describe('ports', () => {
  it('picks a port that is free, and sees it taken once something listens', async () => {
    const port = await pickFreePort();
    assert.ok(port > 1024);
    assert.equal(await isPortFree(port), true);
    const srv = net.createServer();
    await listen(srv, port);
    try {
      assert.equal(await isPortFree(port), false);
    } finally {
      srv.close();
    }
  });
  it('recognises the ways servers say a port is taken', () => {
    assert.ok(looksLikePortInUse('OSError: [Errno 98] Address already in use'));
    assert.ok(looksLikePortInUse('Error: listen EADDRINUSE: address already in use 127.0.0.1:3000'));
    assert.ok(looksLikePortInUse('Port 8501 is in use by another program'.replace('by another program', '')));
    assert.ok(!looksLikePortInUse('Traceback: NameError'));
  });
});

describe('readiness', () => {
  it('probes any HTTP status as ready, and nothing as not ready', async () => {
    const srv = http.createServer((_q, s) => {
      s.statusCode = 404;
      s.end();
    });
    const port = await listen(srv);
    try {
      assert.equal(await probeHttp(`http://127.0.0.1:${port}/x`), 404);
    } finally {
      srv.close();
    }
    assert.equal(await probeHttp(`http://127.0.0.1:${port}/x`, 300), undefined);
  });
  it('a server that accepts but never answers is not ready', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => sockets.push(s));
    const port = await listen(srv);
    try {
      assert.equal(await probeHttp(`http://127.0.0.1:${port}/`, 200), undefined);
    } finally {
      sockets.forEach((s) => s.destroy());
      srv.close();
    }
  });
  it('waits until a late server answers', async () => {
    const port = await pickFreePort();
    const srv = http.createServer((_q, s) => s.end('ok'));
    setTimeout(() => srv.listen(port, '127.0.0.1'), 300);
    try {
      const status = await waitForHttp(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
      assert.equal(status, 200);
    } finally {
      srv.close();
    }
  });
  it('polls fast while servers usually start, then backs off', () => {
    assert.deepEqual([0, 1999, 2000, 14_999, 15_000, 120_000].map(pollInterval), [10, 10, 50, 50, 200, 200]);
  });
  it('stops waiting when aborted', async () => {
    const port = await pickFreePort();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const t0 = Date.now();
    assert.equal(await waitForHttp(`http://127.0.0.1:${port}/`, { signal: ac.signal }), undefined);
    assert.ok(Date.now() - t0 < 2000);
  });
});
