// Overlapped restarts behind the front proxy, with real processes and a real Chromium:
//  - the old run's hooks (its Azure scope) close before the next run opens; the next run serves
//    while the old tree is still being stopped; nothing is left, after 200 overlapped restarts and
//    for an app that ignores SIGINT and SIGTERM;
//  - the proxy's port never changes; requests that come during a restart wait and get the new
//    version; a stopped app answers at once with a page that says so;
//  - server-sent events stream through it, a large download arrives whole, WebSockets pass
//    (a real Bokeh server's document renders through it in the frameworks test);
//  - a page opened outside the preview reloads itself when the next run is ready, and its
//    console errors, warnings, uncaught errors and unhandled rejections reach the editor,
//    redacted and with their source.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { RunHook, RunInfo } from '../../src/core/supervisor';
import { PREVIEW_FRAME_NAME } from '../../src/core/page-client';
import { TestBrowser } from './browser';
import { get, isAlivePid, sleep, startable, waitFor, type TestApp } from './harness';

const overlap = () => true;

// One Chromium for the file's browser tests.
let browser: TestBrowser;
before(async () => {
  browser = await TestBrowser.launch();
});
after(async () => {
  await browser?.close();
});

function setVersion(app: TestApp, n: number): void {
  fs.writeFileSync(app.file, fs.readFileSync(app.file, 'utf8').replace(/VERSION-\d+/, `VERSION-${n}`));
}

const frontUrl = (app: TestApp, path = '/') => `http://127.0.0.1:${app.front!.port}${path}`;

/** A GET that asks for a page, as a browser's navigation does. */
function getPage(url: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { accept: 'text/html', 'sec-fetch-dest': 'document', 'accept-encoding': 'gzip' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

describe('overlapped restarts', () => {
  it("close the old run's hooks first, serve the next run while the old tree stops, and leave nothing (an app that ignores SIGINT)", async () => {
    const events: string[] = [];
    const hook: RunHook = {
      openRun: async (run: RunInfo) => {
        events.push(`open ${run.id}`);
        return {};
      },
      closeRun: async (run: RunInfo) => {
        events.push(`close ${run.id}`);
      },
    };
    const app = startable('ignores_signals.py', 'script', { overlap, hooks: [hook], stopGraceMs: () => 1500, front: true });
    try {
      await app.startReady();
      const sup = app.controller.supervisor;
      const port = app.front!.port;
      const first = { pid: sup.pid!, id: sup.currentRun!.id, port: sup.port! };
      const t0 = Date.now();
      const outcome = await app.controller.restartNow('test');
      const took = Date.now() - t0;
      assert.equal(outcome.kind, 'ready');
      const second = sup.currentRun!.id;
      assert.deepEqual(events, [`open ${first.id}`, `close ${first.id}`, `open ${second}`], "the old run's hooks closed before the next run's opened");
      assert.ok(isAlivePid(first.pid), `the old process is still being stopped (it ignores SIGINT) while the new one serves (restart took ${took} ms)`);
      assert.ok(sup.retiring.pids().includes(first.pid), 'the supervisor knows it is still stopping');
      assert.notEqual(sup.port, first.port, 'the next run has a port of its own');
      assert.equal(app.front!.port, port, 'the front port stays');
      assert.equal((await get(frontUrl(app))).body, 'stubborn', 'the front port serves the new run');
      await sup.retiring.all();
      assert.equal(isAlivePid(first.pid), false, 'the old tree is gone after its grace period (SIGKILL)');
      assert.match(app.log.lines.join('\n'), new RegExp(`\\[run ${first.id}\\] stopped \\(killed by SIGKILL\\)`));
      // A stop waits for trees still being stopped.
      await app.controller.restartNow('again');
      const retiring = sup.retiring.pids();
      assert.ok(retiring.length > 0);
      await app.controller.stop();
      for (const pid of retiring) assert.equal(isAlivePid(pid), false, `stop waited for pid ${pid}`);
    } finally {
      await app.dispose();
    }
  });

  it('200 overlapped restarts: each serves, the front port never changes, and nothing is left', { timeout: 300_000 }, async () => {
    const app = startable('stdlib_app.py', 'script', { overlap, front: true });
    try {
      await app.startReady();
      const port = app.front!.port;
      const pids = new Set<number>();
      const t0 = Date.now();
      for (let i = 0; i < 200; i++) {
        const outcome = await app.controller.restartNow(`restart ${i}`);
        assert.equal(outcome.kind, 'ready', `restart ${i}: ${JSON.stringify(outcome)}`);
        pids.add(app.controller.supervisor.pid!);
      }
      assert.equal(pids.size, 200, 'every restart ran a new process');
      assert.equal(app.front!.port, port);
      assert.match((await get(frontUrl(app))).body, /VERSION-1/);
      await app.controller.supervisor.retiring.all();
      const left = [...pids].filter((p) => p !== app.controller.supervisor.pid && isAlivePid(p));
      assert.deepEqual(left, [], 'every replaced run is gone');
      console.log(`  200 overlapped restarts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await app.dispose(); // asserts no process of the app is left
    }
  });

  it('with overlap off, the old tree is gone before the next run starts', async () => {
    const app = startable('ignores_signals.py', 'script', { overlap: () => false, stopGraceMs: () => 300 });
    try {
      await app.startReady();
      const old = app.controller.supervisor.pid!;
      await app.controller.restartNow('test');
      assert.equal(isAlivePid(old), false);
      assert.deepEqual(app.controller.supervisor.retiring.pids(), []);
    } finally {
      await app.dispose();
    }
  });
});

describe('the front proxy', () => {
  it('holds requests during a restart, streams events and large downloads, adds its script to pages only, and says when the app is stopped', async () => {
    const app = startable('streams_app.py', 'script', { overlap, front: true, watch: false });
    try {
      await app.startReady();
      const page = await getPage(frontUrl(app));
      assert.equal(page.status, 200);
      assert.match(page.body, /<head><script src="\/__dap__\/client\.js\?run=[0-9a-f]+"><\/script><title>/, 'the script comes first in <head>');
      assert.equal(Number(page.headers['content-length']), Buffer.byteLength(page.body), 'Content-Length matches the page with the script');
      assert.doesNotMatch((await get(frontUrl(app, '/big'))).body.slice(0, 10), /script/, 'a download is not touched');
      const client = await get(frontUrl(app, '/__dap__/client.js'));
      assert.match(client.body, /EventSource/);

      // Server-sent events arrive as they are sent, not when the response ends.
      const sse = await new Promise<{ first: number; second: number }>((resolve, reject) => {
        const t0 = Date.now();
        let first = 0;
        http
          .get(frontUrl(app, '/sse'), { agent: false }, (res) => {
            res.setEncoding('utf8');
            let text = '';
            res.on('data', (c: string) => {
              text += c;
              if (!first && text.includes('one')) first = Date.now() - t0;
              if (text.includes('two')) resolve({ first, second: Date.now() - t0 });
            });
          })
          .on('error', reject);
      });
      assert.ok(sse.first < sse.second - 500, `the first event came before the second (${sse.first} ms, ${sse.second} ms)`);

      // A large download arrives whole.
      const size = await new Promise<number>((resolve, reject) => {
        http
          .get(frontUrl(app, '/big'), { agent: false }, (res) => {
            let n = 0;
            res.on('data', (c: Buffer) => (n += c.length));
            res.on('end', () => resolve(n));
          })
          .on('error', reject);
      });
      assert.equal(size, 24 * 1024 * 1024);

      // A request made while a restart runs waits for it and gets the new version.
      setVersion(app, 2);
      const restarting = app.controller.restartNow('test');
      await waitFor('the restart to begin', () => app.controller.supervisor.state === 'restarting' || undefined);
      const during = getPage(frontUrl(app));
      assert.equal((await restarting).kind, 'ready');
      const answered = await during;
      assert.equal(answered.status, 200);
      assert.match(answered.body, /VERSION-2/, 'the held request got the new version');

      await app.controller.stop();
      const t0 = Date.now();
      const stopped = await getPage(frontUrl(app));
      assert.equal(stopped.status, 503);
      assert.match(stopped.body, /The app is stopped\. Start it again/);
      assert.ok(Date.now() - t0 < 2000, 'a stopped app is said at once, not after the hold time');
    } finally {
      await app.dispose();
    }
  });

  describe('in Chromium', () => {
    it('a page opened outside the preview reloads itself when the next run is ready, and its console reaches the editor, redacted', async () => {
      const app = startable('streams_app.py', 'script', { overlap, front: true, watch: false });
      try {
        await app.startReady();
        const { page } = await browser.page(frontUrl(app));
        await page.goto(frontUrl(app), { waitUntil: 'load' });
        await page.getByText('VERSION-1').waitFor();
        const entries = await waitFor('four console entries', () => (app.consoleEntries.length >= 4 ? app.consoleEntries : undefined), 10_000);
        const text = entries.map((e) => `${e.level} ${e.message} @${e.source} ${e.page}`).join('\n');
        assert.match(text, /warn a warning from the page \{"answer":42\} @.*\/:\d+:\d+ http:\/\/127\.0\.0\.1:\d+\//, 'console.warn with its arguments and source line');
        assert.match(text, /error an error from the page: token sig=\*\*\* @/, 'console.error, the signature redacted');
        assert.doesNotMatch(text, /SECRETSIGNATURE/);
        assert.match(text, /error Unhandled rejection: nobody caught this/);
        assert.match(text, /error Uncaught ReferenceError: undefinedFunctionOfTheApp is not defined @http:\/\/127\.0\.0\.1:\d+\/:\d+:\d+/);

        // The next version: the open page reloads itself once it is ready.
        setVersion(app, 2);
        assert.equal((await app.controller.restartNow('test')).kind, 'ready');
        await page.getByText('VERSION-2').waitFor({ timeout: 10_000 });
        assert.match(await page.locator('p').innerText(), new RegExp(`pid ${app.controller.supervisor.pid}`));
        await page.context().close();
      } finally {
        await app.dispose();
      }
    });

    it('console messages from other sites are refused, and a flood is bounded', async () => {
      const app = startable('stdlib_app.py', 'script', { front: true });
      try {
        await app.startReady();
        const post = (origin: string | undefined, body: string) =>
          new Promise<number>((resolve, reject) => {
            const req = http.request(frontUrl(app, '/__dap__/console'), { method: 'POST', agent: false, headers: origin ? { origin } : {} }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', reject);
            req.end(body);
          });
        const ok = JSON.stringify({ level: 'error', message: 'x', source: '', stack: '', page: 'http://127.0.0.1/' });
        assert.equal(await post('http://evil.example', ok), 403, 'another site');
        assert.equal(await post(undefined, ok), 403, 'no Origin');
        const own = `http://127.0.0.1:${app.front!.port}`;
        assert.equal(await post(own, '{not json'), 400);
        assert.equal(await post(own, JSON.stringify({ level: 'log', message: 'x' })), 400, 'only error and warn');
        assert.equal(await post(own, 'x'.repeat(20_000)), 413);
        const statuses = await Promise.all(Array.from({ length: 80 }, () => post(own, ok)));
        assert.ok(statuses.filter((s) => s === 204).length <= 50, 'at most 50 a second');
        assert.ok(statuses.includes(429));
        assert.ok(app.front!.droppedConsole > 0);
        await sleep(10);
      } finally {
        await app.dispose();
      }
    });
  });
});

const HOT_CASES = [
  { label: 'Streamlit', framework: 'streamlit', fixture: 'streamlit_runs.py', page: '/' },
  { label: 'Panel (our entry reads the app when the first page connects)', framework: 'panel', fixture: 'panel_runs.py', page: '/panel_runs' },
  { label: 'Bokeh server (the same entry)', framework: 'bokeh', fixture: 'bokeh_runs.py', page: '/bokeh_runs' },
] as const;

describe('the hot standby (real Streamlit, Panel and Bokeh)', () => {
  for (const c of HOT_CASES)
    it(
      `${c.label}: the next server starts ahead with its own hooks and runs no app code; a save switches to it at once; a changed launch is not used`,
      { timeout: 180_000 },
      async () => {
        const events: string[] = [];
        const hook: RunHook = {
          openRun: async (run: RunInfo) => {
            events.push(`open ${run.id}`);
            return { RUN_SECRET: `secret-of-${run.id}` };
          },
          closeRun: async (run: RunInfo) => {
            events.push(`close ${run.id}`);
          },
        };
        const env: Record<string, string> = { APP_SETTING: 'one' };
        const app = startable(c.fixture, c.framework, { overlap, front: true, watch: false, hot: () => true, hooks: [hook], env });
        const runsLog = () => (fs.existsSync(`${app.dir}/runs.log`) ? fs.readFileSync(`${app.dir}/runs.log`, 'utf8').split('\n').filter(Boolean).map(Number) : []);
        try {
          await app.startReady();
          const sup = app.controller.supervisor;
          const first = { id: sup.currentRun!.id, pid: sup.pid! };
          const { page } = await browser.page(frontUrl(app));
          await page.goto(frontUrl(app, c.page), { waitUntil: 'load' });
          await page.getByText('Runs VERSION-1').waitFor({ timeout: 30_000 });
          await waitFor('the hot standby', () => sup.hot.ready || undefined, 60_000);
          const hotOpened = events.filter((e) => e.startsWith('open ')).at(-1)!;
          assert.notEqual(hotOpened, `open ${first.id}`, "the hot run's hooks were opened at its spawn, before any save");
          const before = runsLog();
          assert.ok(before.length > 0 && before.every((p) => p === first.pid), `only the running server has run app code (runs by pid ${before.join(', ')})`);

          // A Streamlit page follows by itself: it reconnects and reruns, it is not loaded again.
          await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
          if (c.framework === 'streamlit') {
            await page.getByLabel('Name').fill('grace');
            await page.getByLabel('Name').press('Enter');
            await page.getByText('hello grace').waitFor({ timeout: 10_000 });
          }
          setVersion(app, 2);
          const t0 = Date.now();
          assert.equal((await app.controller.fileSaved(app.file)) && (await app.controller.idle(), sup.state), 'ready');
          const took = Date.now() - t0;
          assert.equal(sup.lastVia, 'hot', `the save switched to the hot server (${app.log.lines.filter((l) => / start \(/.test(l)).join(' | ')})`);
          const second = { id: sup.currentRun!.id, pid: sup.pid! };
          assert.equal(`open ${second.id}`, hotOpened);
          assert.ok(!before.includes(second.pid), 'the hot server had run no app code before it took over');
          assert.ok(events.indexOf(`close ${first.id}`) > events.indexOf(hotOpened), "the old run's hooks closed at the save, after the hot run's opened");
          await page.getByText('Runs VERSION-2').waitFor({ timeout: 30_000 });
          const kept = await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce === true);
          assert.equal(kept, c.framework === 'streamlit', c.framework === 'streamlit' ? 'the Streamlit page reran in place' : 'the page was loaded again');
          if (c.framework === 'streamlit') await page.getByText('hello grace').waitFor({ timeout: 5000 }); // its widget kept its value
          assert.match(await page.getByText(/served by pid/).innerText(), new RegExp(`pid ${second.pid}`), 'the new version runs in the hot server');
          assert.deepEqual(runsLog().filter((p) => p === first.pid || p === second.pid).length >= 2, true);
          console.log(`  ${c.framework}: save → the hot server took over in ${took} ms (supervisor: ${sup.lastStartMs} ms)`);

          // The next one is started ahead again; a changed environment (a .env edit) makes it stale.
          await waitFor('the next hot standby', () => sup.hot.ready || undefined, 60_000);
          env.APP_SETTING = 'two';
          setVersion(app, 3);
          await app.controller.fileSaved(app.file);
          await app.controller.idle();
          assert.equal(sup.state, 'ready');
          assert.match(sup.lastVia ?? '', /^cold \(not hot: the launch changed since the hot standby started/);
          await page.getByText('Runs VERSION-3').waitFor({ timeout: 30_000 });
          await page.context().close();
        } finally {
          await app.dispose(); // no process left: the hot standby included
        }
      },
    );

  it(
    "Streamlit in the preview's frame: after a save its page connects again (told by the preview, or on its own), reruns in place and tells the preview (the one message the preview takes from it)",
    { timeout: 120_000 },
    async () => {
      const app = startable('streamlit_runs.py', 'streamlit', { overlap, front: true, watch: false, hot: () => true });
      try {
        await app.startReady();
        const { page } = await browser.page(frontUrl(app));
        // The preview's frame: named as the webview names it, in a page of another origin.
        await page.setContent(
          `<iframe name="${PREVIEW_FRAME_NAME}" src="${frontUrl(app)}" style="width:1000px;height:800px"></iframe>` +
            '<script>window.followed = []; addEventListener("message", (e) => { if (e.data && e.data.dataAppPreview) followed.push(e.data.dataAppPreview); });</script>',
        );
        const frame = page.frameLocator('iframe');
        await frame.getByText('Runs VERSION-1').waitFor({ timeout: 30_000 });
        await page.frames()[1]!.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
        await frame.getByLabel('Name').fill('grace');
        await frame.getByLabel('Name').press('Enter');
        await frame.getByText('hello grace').waitFor({ timeout: 10_000 });
        await waitFor('the hot standby', () => app.controller.supervisor.hot.ready || undefined, 60_000);
        for (const n of [2, 3]) {
          setVersion(app, n);
          await app.controller.fileSaved(app.file);
          await app.controller.idle();
          // The preview tells the page a new run is on show (it connects again at once); without it,
          // the page reconnects on its own and is asked to rerun.
          if (n === 2) await page.evaluate(() => window.frames[0]!.postMessage({ dataAppPreview: 'run' }, '*'));
          await frame.getByText(`Runs VERSION-${n}`).waitFor({ timeout: 4000 }); // within the preview's bound: no reload behind it
          await frame.getByText('hello grace').waitFor({ timeout: 5000 });
        }
        assert.equal(await page.frames()[1]!.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce === true), true, 'the page was not loaded again');
        assert.deepEqual(await page.evaluate(() => (window as unknown as { followed: string[] }).followed), ['followed', 'followed'], 'it told the preview each time');
        await page.context().close();
      } finally {
        await app.dispose();
      }
    },
  );

  it('a launch that cannot be built when the hot server would take over fails the restart with its error, and the next restart recovers', { timeout: 120_000 }, async () => {
    let broken = false;
    const app = startable('streamlit_runs.py', 'streamlit', {
      overlap,
      front: true,
      watch: false,
      hot: () => true,
      wrap: (spec) => {
        if (broken) throw new Error('the .env file could not be read');
        return spec;
      },
    });
    try {
      await app.startReady();
      const sup = app.controller.supervisor;
      await waitFor('the hot standby', () => sup.hot.ready || undefined, 60_000);
      broken = true;
      const failed = await app.controller.restartNow('test');
      assert.equal(failed.kind, 'failed');
      assert.equal(sup.state, 'crashed', 'not left restarting');
      assert.match(sup.lastError?.message ?? '', /the \.env file could not be read/);
      broken = false;
      assert.equal((await app.controller.restartNow('fixed')).kind, 'ready');
    } finally {
      await app.dispose();
    }
  });
});
