// Real Panel and Streamlit, side by side in one run, the same trigger for both: the app file is
// written on disk, and the clock stops when the new text is visible in a Chromium page.
//  - ours: the page Open in Browser gives (the front proxy's port, which follows restarts by
//    itself), the change reported as a save reports it; cold, warm standby and hot standby, with
//    overlapped restarts;
//  - theirs: the framework's own in-process reloader on the same app (`panel serve --autoreload`
//    with watchfiles installed; `streamlit run` with runOnSave), on its own page.
// Figures are printed, never asserted (`npm run bench:restart` writes them to BENCHMARKS.md).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { pickFreePort } from '../src/core/ports';
import type { WarmLaunch } from '../src/core/warm';
import { median, timeSaves } from '../test/e2e/figures';
import { CodeServer, ensureVsix, makeWorkspace } from '../test/e2e/vscode';
import { Workbench } from '../test/e2e/workbench';
import { TestBrowser } from '../test/integration/browser';
import { PYTHON, sleep, startable, waitFor } from '../test/integration/harness';

const FRAMEWORKS = path.resolve(__dirname, '../../test/fixtures/frameworks');

export type FrameworkMode = 'cold' | 'warm' | 'hot' | 'in-process';

export interface FrameworkRow {
  readonly app: 'Panel' | 'Streamlit';
  readonly mode: FrameworkMode;
  readonly samples: number[];
  /** How each of our restarts started (hot, warm, cold: why), from the log. */
  readonly vias?: string[];
}

interface Subject {
  readonly app: FrameworkRow['app'];
  readonly framework: 'panel' | 'streamlit';
  readonly file: string;
  /** The page's path on the server. */
  readonly page: string;
  /** The framework's own server with its in-process reloader on. */
  reloaderArgs(file: string, port: number): string[];
}

export const SUBJECTS: readonly Subject[] = [
  {
    app: 'Panel',
    framework: 'panel',
    file: 'panel_app.py',
    page: '/panel_app',
    reloaderArgs: (file, port) => ['-m', 'panel', 'serve', file, '--autoreload', '--port', String(port), '--address', '127.0.0.1', '--allow-websocket-origin', `127.0.0.1:${port}`],
  },
  {
    app: 'Streamlit',
    framework: 'streamlit',
    file: 'streamlit_app.py',
    page: '/',
    reloaderArgs: (file, port) => [
      '-m',
      'streamlit',
      'run',
      file,
      '--server.port',
      String(port),
      '--server.address',
      '127.0.0.1',
      '--server.headless',
      'true',
      '--server.runOnSave',
      'true',
      '--browser.gatherUsageStats',
      'false',
    ],
  },
];

/** The fixture in a fresh folder of its own. */
function copyApp(s: Subject): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-bench-fw-'));
  fs.copyFileSync(path.join(FRAMEWORKS, s.file), path.join(dir, s.file));
  return path.join(dir, s.file);
}

const title = (s: Subject, v: string) => `${s.app} ${v}`;

async function waitVisible(page: Page, text: string): Promise<void> {
  await page.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout: 60_000 });
}

/** Writes version `i` and returns ms until the page shows it. */
async function timeWrite(page: Page, s: Subject, file: string, source: string, i: number, after?: () => Promise<unknown>): Promise<number> {
  const version = `BENCH-${i}`;
  const t0 = performance.now();
  fs.writeFileSync(file, source.replace('VERSION-1', version));
  await after?.();
  await waitVisible(page, title(s, version));
  return Math.round(performance.now() - t0);
}

/** Ours, on the page Open in Browser gives, `runs` saves. */
async function ours(browser: TestBrowser, s: Subject, mode: Exclude<FrameworkMode, 'in-process'>, runs: number): Promise<FrameworkRow> {
  const app = startable(s.file, s.framework, {
    fixtureDir: FRAMEWORKS,
    watch: false,
    front: true,
    overlap: () => true,
    ...(mode === 'cold' ? {} : { warm: {} }),
    ...(mode === 'hot' ? { hot: () => true } : { hot: () => false }),
  });
  const samples: number[] = [];
  try {
    await app.startReady();
    const { page } = await browser.page(`http://127.0.0.1:${app.front!.port}`);
    await page.goto(`http://127.0.0.1:${app.front!.port}${s.page}`, { waitUntil: 'load' });
    await waitVisible(page, title(s, 'VERSION-1'));
    const source = fs.readFileSync(app.file, 'utf8');
    for (let i = 1; i <= runs; i++) {
      await app.controller.idle();
      if (mode === 'warm') await (app.strategy as WarmLaunch).standbyReady();
      if (mode === 'hot') await waitFor('the hot standby', () => app.controller.supervisor.hot.ready || undefined, 60_000);
      await sleep(500);
      samples.push(await timeWrite(page, s, app.file, source, i, () => app.controller.fileSaved(app.file)));
    }
    await page.context().close();
  } finally {
    await app.dispose();
  }
  const vias = app.log.lines.filter((l) => / start \(/.test(l)).map((l) => / start \((.*)\) pid/.exec(l)![1]!);
  console.log(`  ${s.app}, ours ${mode}: median ${median(samples)} ms (${samples.join(', ')}); starts: ${summarize(vias.slice(1))}`);
  return { app: s.app, mode, samples, vias: vias.slice(1) };
}

/** The framework's own reloader, on its own page, `runs` writes. */
async function theirs(browser: TestBrowser, s: Subject, runs: number): Promise<FrameworkRow> {
  const file = copyApp(s);
  const port = await pickFreePort();
  const child: ChildProcess = spawn(PYTHON, s.reloaderArgs(file, port), { cwd: path.dirname(file), stdio: 'ignore', detached: true });
  const samples: number[] = [];
  try {
    const { page } = await browser.page(`http://127.0.0.1:${port}`);
    await waitFor(
      `${s.app} with its reloader`,
      () =>
        page.goto(`http://127.0.0.1:${port}${s.page}`, { waitUntil: 'load' }).then(
          (r) => (r && r.status() < 400) || undefined,
          () => undefined,
        ),
      60_000,
    );
    await waitVisible(page, title(s, 'VERSION-1'));
    const source = fs.readFileSync(file, 'utf8');
    for (let i = 1; i <= runs; i++) {
      await sleep(1000); // its watcher settles, as ours gets its standby time
      samples.push(await timeWrite(page, s, file, source, i));
    }
    await page.context().close();
  } finally {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  console.log(`  ${s.app}, its own reloader: median ${median(samples)} ms (${samples.join(', ')})`);
  return { app: s.app, mode: 'in-process', samples };
}

function summarize(vias: string[]): string {
  const counts = new Map<string, number>();
  for (const v of vias) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n}× ${v}`).join(', ') || 'none';
}

/** Every case for both apps, interleaved so that machine noise hits them alike. */
export async function benchFrameworks(runs: number, modes: readonly Exclude<FrameworkMode, 'in-process'>[]): Promise<FrameworkRow[]> {
  const browser = await TestBrowser.launch();
  const rows: FrameworkRow[] = [];
  try {
    for (const s of SUBJECTS) {
      rows.push(await theirs(browser, s, runs));
      for (const mode of modes) rows.push(await ours(browser, s, mode, runs));
    }
  } finally {
    await browser.close();
  }
  return rows;
}

/** The table: each mode's median, and ours / in-process. */
export function frameworkTable(rows: readonly FrameworkRow[], modes: readonly FrameworkMode[]): string[] {
  const out = [
    `| app | its own reloader | ${modes.map((m) => `ours ${m}`).join(' | ')} | best ours / in-process |`,
    `| --- | ---: | ${modes.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const s of SUBJECTS) {
    const med = (m: FrameworkMode) => {
      const r = rows.find((x) => x.app === s.app && x.mode === m);
      return r ? median(r.samples) : NaN;
    };
    const inProcess = med('in-process');
    const best = Math.min(...modes.map(med).filter((x) => !Number.isNaN(x)));
    out.push(`| ${s.app} | ${inProcess} ms | ${modes.map((m) => `${med(m)} ms`).join(' | ')} | ${(best / inProcess).toFixed(2)} |`);
  }
  return out;
}

/** The real VS Code figure for both: Ctrl+S → the new text visible in the preview, `runs` saves each (defaults: hot standby, overlap). */
export async function vscodeFrameworkFigures(runs: number): Promise<Record<FrameworkRow['app'], number[]>> {
  const workspace = makeWorkspace();
  const server = await CodeServer.start({ workspace, vsix: ensureVsix() });
  const wb = await Workbench.open(server);
  const out: Record<FrameworkRow['app'], number[]> = { Panel: [], Streamlit: [] };
  try {
    for (const [app, file] of [
      ['Panel', 'panel_dashboard.py'],
      ['Streamlit', 'streamlit_app.py'],
    ] as const) {
      await wb.openFile(file);
      await wb.command('Data App: Preview App');
      await wb.waitForAppText(file, '#msg', /^VERSION-1$/, 90_000);
      const line = fs.readFileSync(path.join(workspace, file), 'utf8').split('\n').indexOf('MESSAGE = "VERSION-1"') + 1;
      out[app] = await timeSaves(wb, file, line, 'BENCH', runs, 1500);
      console.log(`  ${app} in a real VS Code, Ctrl+S → visible in the preview: median ${median(out[app])} ms (${out[app].join(', ')})`);
      await wb.closeTab(`${file} · `);
    }
  } finally {
    await wb.close();
    await server.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  return out;
}
