// 300 restarts with real processes: warm, cold, bursts of saves, a crash loop, an app that
// ignores SIGINT and SIGTERM, and one that leaves a double-forked daemon. None fails, nothing is
// left running, and the host side's heap and file descriptors come back within a small bound.
// `npm run soak` runs the same for 1,000 restarts and prints the figures.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { soak } from './soak';

describe('soak', () => {
  it('300 mixed restarts: 0 failed, 0 processes left, heap and fds flat', { timeout: 600_000 }, async () => {
    const f = await soak(300);
    console.log(
      `  soak: ${f.restarts} restarts in ${f.seconds} s; steps ${JSON.stringify(f.byMode)}; starts ${JSON.stringify(f.starts)}; crash loop ${f.crashLoop}; bursts split by load ${f.splitBursts}; heap ${f.heapMiB.before} → ${f.heapMiB.after} MiB; fds ${f.fds.before} → ${f.fds.after}`,
    );
    assert.deepEqual(f.failures, [], 'no restart failed');
    assert.ok(f.restarts >= 300);
    assert.ok((f.starts.warm ?? 0) > 100 && Object.keys(f.starts).some((k) => k.startsWith('cold')), 'both warm and cold starts ran');
    assert.ok(f.heapMiB.after - f.heapMiB.before <= 16, `heap grew ${f.heapMiB.after - f.heapMiB.before} MiB`);
    assert.ok(f.fds.after - f.fds.before <= 4, `fds grew by ${f.fds.after - f.fds.before}`);
  });
});
