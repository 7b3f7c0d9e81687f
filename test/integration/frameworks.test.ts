// Every framework for real, behind the front proxy as the extension serves it (overlapped
// restarts on): the pinned Panel, Bokeh, Streamlit, Dash, Shiny, Gradio, Voilà and
// Solara of requirements/main.txt, and Observable Framework from npm, each started with exactly
// the arguments the extension builds (buildLaunch), through the supervisor, cold and then warm.
// Each test shows, in Debian's Chromium:
//  - the page the extension opens answers, and none of its own requests fail (no 404);
//  - the app's content renders (Panel, Bokeh, Shiny, Solara and Voilà render over a websocket),
//    on its own page and inside a frame of another site, as the preview's webview holds it
//    (Streamlit: an upload works there too). The cold run is on its loopback address, as VS
//    Code on the desktop shows it; the warm run behind code-server's port forwarding on a
//    remote host: another origin, under /proxy/<port>/, whose proxy passes the page's Origin on;
//  - the framework's own reloader is off in the cold run and in the warm run: an edit alone
//    restarts nothing (same process tree) and, where the framework caches the app, changes
//    nothing served;
//  - a change reported to the controller restarts it and the new version renders;
//  - stopping leaves no process (dispose() checks the process table).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameworkId } from '../../src/core/frameworks';
import type { WarmLaunch } from '../../src/core/warm';
import type { Page } from 'playwright-core';
import { TestBrowser, seeText } from './browser';
import { startForwarder, startFramingPage, type Forwarder } from './forwarder';
import { get, sleep, startable, type TestApp } from './harness';

const FRAMEWORKS = path.resolve(__dirname, '../../../test/fixtures/frameworks');
const REPO = path.resolve(__dirname, '../../..');
const SHOTS = path.join(REPO, 'test-results', 'integration');

interface Case {
  readonly label: string;
  readonly framework: FrameworkId;
  readonly file: string;
  /** What the page shows of the app, as `${label} VERSION-n`. */
  readonly title: string;
  /** Text only the server-side callback or the widget's front end makes. */
  readonly computed: string;
  /**
   * Whether a new page still gets the version the server loaded. Streamlit and Voilà read the
   * file again for every new session (Voilà in a new kernel), without restarting anything.
   */
  readonly servesLoadedVersion: boolean;
  /** Observable Framework pushes an edited page to the open browser itself, and has no flag to stop it. */
  readonly pushesEdits?: boolean;
  readonly warm: boolean;
  /** An st.file_uploader the framed page uploads to, and the text the app shows after. */
  readonly upload?: string;
}

const CASES: Case[] = [
  { label: 'Panel', framework: 'panel', file: 'panel_app.py', title: 'Panel', computed: 'Doubled rows: 6', servesLoadedVersion: true, warm: true },
  { label: 'Bokeh server', framework: 'bokeh', file: 'bokeh_app.py', title: 'Bokeh', computed: 'n squared: 9', servesLoadedVersion: true, warm: true },
  {
    label: 'Streamlit',
    framework: 'streamlit',
    file: 'streamlit_app.py',
    title: 'Streamlit',
    computed: 'Doubled rows: 6',
    servesLoadedVersion: false,
    warm: true,
    upload: 'Uploaded 8 bytes',
  },
  { label: 'Dash (app.run(debug=True))', framework: 'dash', file: 'dash_app.py', title: 'Dash', computed: 'Doubled rows: 6', servesLoadedVersion: true, warm: true },
  {
    label: 'Dash on FastAPI (debug=True: uvicorn child without --reload)',
    framework: 'dash',
    file: 'dash_fastapi_app.py',
    title: 'Dash FastAPI',
    computed: 'Doubled rows: 6',
    servesLoadedVersion: true,
    warm: true,
  },
  { label: 'Shiny for Python', framework: 'shiny', file: 'shiny_app.py', title: 'Shiny', computed: 'Doubled rows: 6', servesLoadedVersion: true, warm: true },
  { label: 'Gradio', framework: 'gradio', file: 'gradio_app.py', title: 'Gradio', computed: 'Doubled rows: 6', servesLoadedVersion: true, warm: true },
  { label: 'Voilà', framework: 'voila', file: 'voila_app.ipynb', title: 'Voila', computed: 'Doubled rows: 6', servesLoadedVersion: false, warm: true },
  { label: 'Solara', framework: 'solara', file: 'solara_app.py', title: 'Solara', computed: 'Doubled rows: 6', servesLoadedVersion: true, warm: true },
  {
    label: 'Observable Framework (npm, always cold)',
    framework: 'observable',
    file: 'src/index.md',
    title: 'Observable',
    computed: 'Doubled rows: 6',
    servesLoadedVersion: false,
    pushesEdits: true,
    warm: false,
  },
];

let browser: TestBrowser;
let framing: Awaited<ReturnType<typeof startFramingPage>>;
before(async () => {
  browser = await TestBrowser.launch();
  framing = await startFramingPage();
});
after(async () => {
  await framing?.close();
  await browser?.close();
});

// Changes are reported by the test itself; the glob is the extension's default kinds of files.
const common = { watch: false, warm: {}, watchGlob: () => '**/*.{py,ipynb,md}' };

/**
 * Where the preview shows a run: on its own loopback address (VS Code on the desktop), or on
 * the URL that code-server on a remote host forwards its port to.
 */
type View = (appUrl: string) => string;
const LOOPBACK: View = (u) => u;

/**
 * Launched as the extension launches: behind its front proxy (whose port the browser loads),
 * with overlapped restarts; while `forwarding()`, told of the forwarded origin and path.
 */
function makeApp(c: Case, forwarded: Forwarder, forwarding: () => boolean): TestApp {
  let app: TestApp | undefined = undefined;
  const frontPort = () => app!.front!.port;
  const behind = () => (forwarding() ? { extraOrigins: [forwarded.origin], forwardedPath: forwarded.basePath(frontPort()) } : {});
  const front = {
    front: true,
    overlap: () => true,
    frontForwarded: () => (forwarding() ? { prefix: forwarded.basePath(frontPort()), origins: [forwarded.origin] } : { prefix: '/', origins: [] }),
  };
  if (c.framework === 'observable') {
    // npx finds the project's own @observablehq/framework from a folder inside the repository.
    app = startable(c.file, c.framework, {
      ...common,
      ...front,
      fixtureDir: path.join(FRAMEWORKS, 'observable'),
      tempBase: path.join(REPO, '.cache', 'it'),
      launch: (dir) => ({ observableRoot: dir, ...behind() }),
    });
  } else {
    app = startable(c.file, c.framework, { ...common, ...front, fixtureDir: FRAMEWORKS, launch: () => behind() });
  }
  return app;
}

/** The page the preview loads: the app's page on the front proxy's port. */
function pageUrl(app: TestApp): string {
  const u = new URL(app.controller.supervisor.url!);
  u.port = String(app.front!.port);
  return u.toString();
}

async function shotOnFailure<T>(page: Page, name: string, failures: string[], check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (e) {
    // What the page showed, for whoever reads the failure (CI keeps test-results/).
    fs.mkdirSync(SHOTS, { recursive: true });
    const shot = path.join(SHOTS, `${name}.png`);
    await page.screenshot({ path: shot }).catch(() => undefined);
    await page.context().close();
    throw new Error(`${(e as Error).message}\n(screenshot: ${shot}; failed requests: ${failures.join(', ') || 'none'})`);
  }
}

function setVersion(app: TestApp, n: number): void {
  fs.writeFileSync(app.file, fs.readFileSync(app.file, 'utf8').replace(/VERSION-\d+/, `VERSION-${n}`));
}

/** Opens the page the extension would show and checks it rendered `version` with no failed request; the page stays open. */
async function render(app: TestApp, c: Case, version: number, view: View): Promise<Page> {
  const url = view(pageUrl(app));
  const { page, failures } = await browser.page(new URL(url).origin);
  return shotOnFailure(page, `${c.framework}-${path.basename(c.file)}-v${version}${view === LOOPBACK ? '' : '-forwarded'}`, failures, async () => {
    const res = await page.goto(url, { waitUntil: 'load' });
    assert.ok(res && res.status() < 400, `${url} answered ${res?.status()}`);
    await seeText(page, `${c.title} VERSION-${version}`);
    await seeText(page, c.computed);
    await sleep(300); // late requests (fonts, lazily loaded chunks) are counted too
    assert.deepEqual(failures, [], `the page's own requests all succeeded (${url})`);
    return page;
  });
}

/**
 * The same page inside a frame of another site, as the preview's webview holds it: cookies the
 * app sets are third-party there. Streamlit's upload is tried in that frame.
 */
async function renderInFrame(app: TestApp, c: Case, version: number, view: View): Promise<void> {
  const url = view(pageUrl(app));
  const { page, failures } = await browser.page(new URL(url).origin);
  await shotOnFailure(page, `${c.framework}-${path.basename(c.file)}-v${version}${view === LOOPBACK ? '' : '-forwarded'}-frame`, failures, async () => {
    await page.goto(framing.url(url), { waitUntil: 'load' });
    const frame = page.frameLocator('#app');
    await seeText(frame, `${c.title} VERSION-${version}`);
    await seeText(frame, c.computed);
    if (c.upload) {
      await frame.locator('input[type=file]').setInputFiles({ name: 'rows.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
      await seeText(frame, c.upload);
    }
    await sleep(300);
    assert.deepEqual(failures, [], `the framed page's own requests all succeeded (${url})`);
  });
  await page.context().close();
}

/**
 * An edit alone, with the page open: no restart (same process tree, no start logged, no
 * reloader flag or output), the open page is not re-run or reloaded with the new version and,
 * where the server caches the app it loaded, a new page still gets the old version.
 */
async function editChangesNothing(app: TestApp, c: Case, open: Page, served: number, written: number, view: View): Promise<void> {
  const sup = app.controller.supervisor;
  const tree = sup.livePids().sort();
  const starts = app.log.lines.filter((l) => / start \(/.test(l)).length;
  setVersion(app, written);
  await sleep(2500); // longer than any framework's own watcher takes to react
  assert.equal(sup.state, 'ready');
  assert.deepEqual(sup.livePids().sort(), tree, `${c.label}: the same processes run after an edit (no reloader, no new worker)`);
  assert.equal(app.log.lines.filter((l) => / start \(/.test(l)).length, starts, 'no start was logged');
  for (const pid of sup.livePids()) {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    for (const flag of ['--reload', '--autoreload', '--dev']) assert.ok(!argv.includes(flag), `${c.label}: pid ${pid} runs ${argv.join(' ')}`);
  }
  if (c.pushesEdits && view === LOOPBACK) {
    // Its own live update (a known limit; no process restarted). Behind /proxy/<port>/ its
    // update socket asks for a path outside the prefix, and the push does not arrive.
    await seeText(open, `${c.title} VERSION-${written}`);
  } else {
    assert.equal(await open.getByText(`VERSION-${written}`).count(), 0, `${c.label}: the open page was not re-run with the edit`);
    await seeText(open, `${c.title} VERSION-${served}`);
  }
  await open.context().close();
  if (c.servesLoadedVersion) await (await render(app, c, served, view)).context().close();
  const out = app.output.join('');
  assert.doesNotMatch(out, /(?<!no )\b(reloading|restarting with|detected change|watching for file changes|StatReload|WatchFiles)\b/i, `${c.label}: no reloader output`);
}

describe('every framework for real: cold, then warm', () => {
  for (const c of CASES) {
    it(c.label, { timeout: 240_000 }, async () => {
      // a case that hangs fails by its name
      // The cold run as VS Code on the desktop shows it; the warm run behind code-server's forwarding.
      const forwarded = await startForwarder();
      let forwarding = false;
      const app = makeApp(c, forwarded, () => forwarding);
      try {
        await app.startReady();
        const first = app.controller.supervisor.pid!;
        assert.equal((await get(pageUrl(app))).status < 400, true, 'the page answers through the front proxy');
        await renderInFrame(app, c, 1, LOOPBACK);
        await editChangesNothing(app, c, await render(app, c, 1, LOOPBACK), 1, 2, LOOPBACK); // the cold run's reloader is off
        forwarding = true;

        // A change reported to the controller (what a save does) restarts the app.
        if (c.warm) await (app.strategy as WarmLaunch).standbyReady();
        await app.controller.fileChanged(app.file);
        await app.controller.idle();
        assert.equal(app.controller.supervisor.state, 'ready', app.output.join('').slice(-2000));
        assert.notEqual(app.controller.supervisor.pid, first, 'a new process serves the new version');
        const via = app.controller.supervisor.lastVia;
        assert.equal(via, c.warm ? 'warm' : 'cold: not a Python launch', `the second run started ${via}`);
        await renderInFrame(app, c, 2, forwarded.url.bind(forwarded));
        await editChangesNothing(app, c, await render(app, c, 2, forwarded.url.bind(forwarded)), 2, 3, forwarded.url.bind(forwarded)); // the warm run's reloader is off too

        await app.controller.stop();
        assert.equal(app.controller.supervisor.state, 'stopped');
      } finally {
        await forwarded.close();
        await app.dispose(); // asserts that nothing of this app is left running
      }
    });
  }
});
