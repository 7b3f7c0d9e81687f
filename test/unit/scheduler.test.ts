import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RestartScheduler } from '../../src/core/scheduler';
import { Lazy } from '../../src/util/lazy';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(debounceMs: number, runMs: number) {
  const runs: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const s = new RestartScheduler({
    debounceMs: () => debounceMs,
    run: async (reason) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      runs.push(reason);
      await sleep(runMs);
      concurrent--;
    },
  });
  return { s, runs, max: () => maxConcurrent };
}

describe('RestartScheduler', () => {
  it('debounces a burst into one run with the latest reason', async () => {
    const { s, runs } = harness(40, 5);
    for (let i = 0; i < 20; i++) {
      s.request(`save ${i}`);
      await sleep(5);
    }
    await sleep(60);
    await s.idle();
    assert.deepEqual(runs, ['save 19']);
  });

  it('a burst that ends while a restart runs interrupts that restart (it is out of date), then runs once more', async () => {
    const runs: string[] = [];
    let interrupts = 0;
    let finishRun: (() => void) | undefined;
    const s = new RestartScheduler({
      debounceMs: () => 30,
      run: async (reason) => {
        runs.push(reason);
        // A restart whose app never gets ready: it ends only when interrupted.
        if (reason === 'first') await new Promise<void>((r) => (finishRun = r));
      },
      interrupt: () => {
        interrupts++;
        finishRun?.();
      },
    });
    s.requestNow('first');
    await sleep(10);
    s.request('fixed');
    await sleep(100);
    await s.idle();
    assert.equal(interrupts, 1);
    assert.deepEqual(runs, ['first', 'fixed']);
    s.request('idle burst');
    await sleep(60);
    await s.idle();
    assert.equal(interrupts, 1, 'a burst that ends with nothing running interrupts nothing');
  });

  it('a request during a run gives exactly one more run, never overlapping', async () => {
    const { s, runs, max } = harness(0, 80);
    s.request('first');
    await sleep(20); // first is running
    s.request('second');
    s.request('third');
    await sleep(5);
    s.request('fourth');
    await s.idle();
    assert.deepEqual(runs, ['first', 'fourth']);
    assert.equal(max(), 1);
    assert.equal(s.count, 2);
  });

  it('50 requests within one second give at most 2 runs', async () => {
    const { s, runs } = harness(100, 150);
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      s.request(`save ${i}`);
      await sleep(15);
    }
    assert.ok(Date.now() - t0 < 1500);
    await s.idle();
    assert.ok(runs.length >= 1 && runs.length <= 2, `runs: ${runs.length}`);
    assert.equal(runs.at(-1), 'save 49', 'the latest request wins');
  });

  it('an explicit save starts a restart at once, with no debounce', () => {
    const { s, runs } = harness(10_000, 5);
    s.requestNow('saved a.py');
    assert.deepEqual(runs, ['saved a.py'], 'started synchronously, not after 10 s');
    s.dispose();
  });

  it('an explicit save starts a waiting debounced request (the same save seen on disk first) now', () => {
    const { s, runs } = harness(10_000, 5);
    s.request('changed a.py');
    assert.equal(s.waiting, true);
    s.requestNow('saved a.py');
    assert.deepEqual(runs, ['saved a.py']);
    assert.equal(s.waiting, false, 'nothing more waits');
    s.dispose();
  });

  it('an explicit save during a restart gives exactly one more restart', async () => {
    const { s, runs, max } = harness(50, 120);
    s.requestNow('first');
    await sleep(20); // first is running
    s.requestNow('second');
    s.requestNow('third');
    await s.idle();
    assert.deepEqual(runs, ['first', 'third']);
    assert.equal(max(), 1);
  });

  it('50 explicit saves within one second give at most 2 restarts: the first at once, the last after the burst', async () => {
    const { s, runs } = harness(300, 150);
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      s.requestNow(`save ${i}`);
      if (i === 0) assert.deepEqual(runs, ['save 0'], 'the first save restarts at once');
      await sleep(15);
    }
    assert.ok(Date.now() - t0 < 1500);
    await s.idle();
    assert.ok(runs.length <= 2, `runs: ${runs.join(', ')}`);
    assert.deepEqual(runs, ['save 0', 'save 49'], 'the latest save is the one the last restart runs');
  });

  it('a save after a quiet spell restarts at once again', async () => {
    const { s, runs } = harness(40, 5);
    s.requestNow('one');
    await s.idle();
    await sleep(60); // longer than the debounce since the last save
    s.requestNow('two');
    assert.deepEqual(runs, ['one', 'two']);
    await s.idle();
  });

  it('cancelPending drops a waiting request; dispose stops everything', async () => {
    const { s, runs } = harness(30, 1);
    s.request('x');
    s.cancelPending();
    await sleep(50);
    assert.deepEqual(runs, []);
    s.dispose();
    s.request('y');
    await sleep(50);
    assert.deepEqual(runs, []);
  });

  it('reports run errors and keeps working', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const s = new RestartScheduler({
      debounceMs: () => 0,
      run: async () => {
        n++;
        if (n === 1) throw new Error('boom');
      },
      onError: (e) => errors.push(e),
    });
    s.request('a');
    await sleep(10);
    await s.idle();
    s.request('b');
    await sleep(10);
    await s.idle();
    assert.equal(n, 2);
    assert.equal(errors.length, 1);
  });
});

describe('Lazy (the token endpoint made on first need)', () => {
  it('is made once, and made again after its making failed (a failed start is not cached)', async () => {
    let calls = 0;
    const lazy = new Lazy(async () => {
      calls++;
      if (calls === 1) throw new Error('port in use');
      return `made ${calls}`;
    });
    await assert.rejects(lazy.get(), /port in use/);
    assert.equal(await lazy.get(), 'made 2');
    assert.equal(await lazy.get(), 'made 2');
    assert.equal(calls, 2);
    assert.equal(await lazy.take(), 'made 2', 'take gives it and forgets it');
    assert.equal(await lazy.take(), undefined);
  });
});
