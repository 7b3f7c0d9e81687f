// `npm run bench:restart`: save → new content, cold vs warm vs floor, measured side by side in one
// run, then the same through the real VS Code harness; results go to BENCHMARKS.md.
// Then real Panel and Streamlit against their own reloaders (bench-frameworks.ts).
// Figures are printed, never asserted. `--no-vscode` skips the VS Code parts; `--runs N` (≥10);
// `--frameworks` runs only the Panel and Streamlit part, `--restarts` only the cold/warm/floor part.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WarmLaunch } from '../src/core/warm';
import { median, timeSaves } from '../test/e2e/figures';
import { CodeServer, ensureVsix, killOnExit, REPO } from '../test/e2e/vscode';
import { Workbench } from '../test/e2e/workbench';
import { get, PYTHON, sleep, startable } from '../test/integration/harness';
import { benchFrameworks, frameworkTable, vscodeFrameworkFigures, type FrameworkMode } from './bench-frameworks';

const args = process.argv.slice(2);
const RUNS = Math.max(10, Number(args[args.indexOf('--runs') + 1]) || 12);
const WITH_VSCODE = !args.includes('--no-vscode');

interface Row {
  readonly app: string;
  readonly mode: 'cold' | 'warm' | 'floor';
  readonly samples: number[];
  readonly standbyRssMiB?: number;
}

function rssMiB(pid: number): number | undefined {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
}

/** Save → the new content served over HTTP, `RUNS` times. */
async function measure(fixture: string, label: string, mode: Row['mode'], warm: boolean): Promise<Row> {
  const app = startable(fixture, 'script', { watch: false, debounceMs: () => 0, overlap: () => true, ...(warm ? { warm: {} } : {}) });
  const samples: number[] = [];
  let standbyRssMiB: number | undefined;
  try {
    const first = await app.controller.start();
    if (first.kind !== 'ready') throw new Error(`${fixture} did not start: ${JSON.stringify(first)}`);
    const url = app.controller.supervisor.url!;
    const source = fs.readFileSync(app.file, 'utf8');
    for (let i = 1; i <= RUNS; i++) {
      if (warm) {
        const ready = await (app.strategy as WarmLaunch).standbyReady();
        if (!ready) throw new Error('no standby');
        if (i === 1) standbyRssMiB = rssMiB(ready.pid);
      } else {
        await sleep(300); // the same pause, without anything to prepare
      }
      const version = `BENCH-${i}`;
      fs.writeFileSync(app.file, source.replace('VERSION-1', version));
      const t0 = performance.now();
      await app.controller.fileChanged(app.file);
      for (const deadline = Date.now() + 30_000; ;) {
        const body = await get(app.controller.supervisor.url ?? url).then(
          (r) => r.body,
          () => '',
        );
        if (body.includes(`>${version}<`)) break;
        if (Date.now() > deadline) throw new Error(`${label} ${mode}: ${version} never served. Log:\n${app.log.lines.slice(-15).join('\n')}`);
        await sleep(2);
      }
      samples.push(Math.round(performance.now() - t0));
      if (process.env.DAP_BENCH_TRACE) console.log(`    ${i}: ${samples.at(-1)} ms`);
      await app.controller.idle();
    }
    const vias = app.log.lines
      .filter((l) => / start \(/.test(l))
      .slice(1)
      .map((l) => / start \((.*)\) pid/.exec(l)![1]);
    const expected = warm ? 'warm' : /^cold/;
    if (!vias.every((v) => (typeof expected === 'string' ? v === expected : expected.test(v!)))) throw new Error(`${label} ${mode}: unexpected starts ${vias.join(', ')}`);
  } finally {
    await app.dispose();
  }
  console.log(`  ${label}, ${mode}: median ${median(samples)} ms`);
  return { app: label, mode, samples, ...(standbyRssMiB !== undefined ? { standbyRssMiB } : {}) };
}

async function vscodeFigures(): Promise<{ cold: number[]; warm: number[]; activationMs: number[] }> {
  killOnExit();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-bench-ws-'));
  fs.copyFileSync(path.join(REPO, 'test/fixtures/apps/heavy_app.py'), path.join(workspace, 'heavy_app.py'));
  const line = fs.readFileSync(path.join(workspace, 'heavy_app.py'), 'utf8').split('\n').indexOf('MESSAGE = "VERSION-1"') + 1;
  const out = { cold: [] as number[], warm: [] as number[], activationMs: [] as number[] };
  for (const mode of ['cold', 'warm'] as const) {
    fs.copyFileSync(path.join(REPO, 'test/fixtures/apps/heavy_app.py'), path.join(workspace, 'heavy_app.py')); // each pass starts from VERSION-1
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'dataAppPreview.pythonPath': PYTHON, 'dataAppPreview.warmStandby': mode === 'warm' }));
    const server = await CodeServer.start({ workspace, vsix: ensureVsix() });
    const wb = await Workbench.open(server);
    try {
      await wb.openFile('heavy_app.py');
      await wb.command('Data App: Preview App');
      await wb.waitForAppText('heavy_app.py', '#msg', /VERSION-1/, 60_000);
      out[mode] = await timeSaves(wb, 'heavy_app.py', line, mode.toUpperCase(), RUNS, 1500);
    } finally {
      const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-bench-logs-'));
      server.saveLogs(logs);
      for (const f of execFileSync('find', [logs, '-name', 'Data App Preview.log'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
        const m = /activated in ([\d.]+) ms/.exec(fs.readFileSync(f, 'utf8'));
        if (m) out.activationMs.push(Number(m[1]));
      }
      fs.rmSync(logs, { recursive: true, force: true });
      await wb.close();
      await server.close();
    }
  }
  fs.rmSync(workspace, { recursive: true, force: true });
  return out;
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const py = execFileSync(PYTHON, ['--version'], { encoding: 'utf8' }).trim();
  const libs = execFileSync(
    PYTHON,
    ['-c', 'import pandas, matplotlib, tornado; print(f"pandas {pandas.__version__}, matplotlib {matplotlib.__version__}, tornado {tornado.version}")'],
    { encoding: 'utf8' },
  ).trim();
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Linux ${os.release()}; node ${process.version}; ${py} (${PYTHON}): ${libs}`;
}

async function main(): Promise<void> {
  if (!args.includes('--frameworks')) await restartPart();
  if (!args.includes('--restarts')) await frameworksPart();
}

/** Restarts of a Tornado + pandas app and a standard-library app: cold, warm, floor. */
async function restartPart(): Promise<void> {
  console.log(`Restart benchmark: ${RUNS} restarts per case (median), save → new content served over HTTP\n`);
  const rows: Row[] = [];
  const heavy = 'Tornado + pandas + matplotlib';
  const small = 'standard library http.server';
  // Interleave so that machine noise hits every case alike.
  rows.push(await measure('heavy_app.py', heavy, 'cold', false));
  rows.push(await measure('heavy_app.py', heavy, 'warm', true));
  rows.push(await measure('heavy_floor.py', heavy, 'floor', false));
  rows.push(await measure('stdlib_app.py', small, 'cold', false));
  rows.push(await measure('stdlib_app.py', small, 'warm', true));
  rows.push(await measure('stdlib_app.py', small, 'floor', false));

  const table = ['| app | cold | warm | floor | warm / cold | warm / floor | warm − floor | standby RSS |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const app of [heavy, small]) {
    const get = (m: Row['mode']) => rows.find((r) => r.app === app && r.mode === m)!;
    const [c, w, f] = [median(get('cold').samples), median(get('warm').samples), median(get('floor').samples)];
    table.push(
      `| ${app} | ${c} ms | ${w} ms | ${f} ms | ${(w / c).toFixed(2)} (${(c / w).toFixed(1)}× faster) | ${(w / f).toFixed(2)} | ${w - f} ms | ${get('warm').standbyRssMiB ?? '?'} MiB |`,
    );
  }
  const raw = rows.map((r) => `- ${r.app}, ${r.mode}: ${r.samples.join(', ')}`);
  console.log(table.join('\n'));
  console.log(`\nSamples (ms):\n${raw.join('\n')}`);
  console.log(`\n${FLOOR_NOTE}`);

  let vscodeTable: string[] = [];
  if (WITH_VSCODE) {
    console.log('\nIn a real VS Code (code-server + Chromium): save → new content visible in the preview…');
    const v = await vscodeFigures();
    const kb = (f: string) => `${(fs.statSync(path.join(REPO, f)).size / 1024).toFixed(1)} KB`;
    vscodeTable = [
      '| app | cold | warm | warm / cold |',
      '| --- | ---: | ---: | ---: |',
      `| ${heavy} | ${median(v.cold)} ms | ${median(v.warm)} ms | ${(median(v.warm) / median(v.cold)).toFixed(2)} |`,
      '',
      `Samples (ms): cold ${v.cold.join(', ')}; warm ${v.warm.join(', ')}.`,
      '',
      '## Activation and size',
      '',
      `Activation in the real extension host (production VSIX; bundle load + activate(), from the extension's log): ${v.activationMs.map((a) => `${a} ms`).join(', ')}.`,
      `Sizes: VSIX ${kb('data-app-preview.vsix')}; dist/extension.js ${kb('dist/extension.js')}, dist/azure-sdk.js ${kb('dist/azure-sdk.js')} (the Azure SDKs, loaded on first need, not at activation), dist/webview.js ${kb('dist/webview.js')}, dist/reaper.js ${kb('dist/reaper.js')}.`,
    ];
    console.log(vscodeTable.join('\n'));
  }
  writeBenchmarks(table, raw, vscodeTable);
}

/** Real Panel and Streamlit: ours (cold, warm, hot) against their own in-process reloaders. */
async function frameworksPart(): Promise<void> {
  console.log(`\nReal Panel and Streamlit: file written → new text visible in Chromium, ours vs the framework's own reloader, ${RUNS} each…`);
  const modes: FrameworkMode[] = ['cold', 'warm', 'hot'];
  const fw = await benchFrameworks(RUNS, modes as Exclude<FrameworkMode, 'in-process'>[]);
  const fwTable = frameworkTable(fw, modes);
  const fwRaw = fw.map((r) => `- ${r.app}, ${r.mode === 'in-process' ? 'its own reloader' : `ours ${r.mode}`}: ${r.samples.join(', ')}`);
  console.log(fwTable.join('\n'));
  let fwVscode: string[] = [];
  if (WITH_VSCODE) {
    const v = await vscodeFrameworkFigures(RUNS);
    fwVscode = [
      `In a real VS Code (code-server + Chromium, defaults: hot standby, overlapped restarts), Ctrl+S → the new text visible in the preview, median of ${RUNS} saves, a 1.5 s pause between edits: Panel ${median(v.Panel)} ms (${v.Panel.join(', ')}); Streamlit ${median(v.Streamlit)} ms (${v.Streamlit.join(', ')}).`,
    ];
    console.log(fwVscode.join('\n'));
  }
  writeSection('frameworks', [
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:restart\` on ${machine()}.`,
    '',
    `The same trigger for both, in one run: the app file is written on disk, and the clock stops when the new text is visible in a Chromium page. Ours on the page **Open in Browser** gives (the front proxy's port; the page follows restarts by itself), the change reported as a save reports it, overlapped restarts; theirs on the framework's own page: \`panel serve --autoreload\` (watchfiles installed) and \`streamlit run\` with \`runOnSave\`. Median of ${RUNS}:`,
    '',
    ...fwTable,
    '',
    ...fwVscode,
    ...(fwVscode.length ? [''] : []),
    '<details><summary>Samples (ms)</summary>',
    '',
    ...fwRaw,
    '',
    '</details>',
  ]);
}

/** Replaces the `<!-- bench:NAME:start -->…end -->` section of BENCHMARKS.md (added at the end when missing). */
function writeSection(name: string, lines: string[]): void {
  const file = path.join(REPO, 'BENCHMARKS.md');
  const [start, end] = [`<!-- bench:${name}:start -->`, `<!-- bench:${name}:end -->`];
  let text = fs.readFileSync(file, 'utf8');
  if (!text.includes(start)) text += `\n## Real Panel and Streamlit: ours vs their own reloaders\n\n${start}\n${end}\n`;
  fs.writeFileSync(file, text.replace(new RegExp(`${start}[\\s\\S]*${end}`), [start, ...lines, end].join('\n')));
}

const FLOOR_NOTE = 'Floor: the same server without the heavy imports (heavy_floor.py); for the standard-library app, the app itself started cold.';

function writeBenchmarks(table: string[], raw: string[], vscodeTable: string[]): void {
  const file = path.join(REPO, 'BENCHMARKS.md');
  const section = [
    '<!-- bench:restart:start -->',
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:restart\` on ${machine()}.`,
    '',
    `Save → new content served over HTTP, median of ${RUNS} restarts each, all cases in one run. The file is written, the`,
    'change is reported as a save would report it, and the clock stops when the page shows the new text.',
    '',
    ...table,
    '',
    FLOOR_NOTE,
    '',
    '<details><summary>Samples (ms)</summary>',
    '',
    ...raw,
    '',
    '</details>',
    '',
    ...(vscodeTable.length
      ? [
          '## In a real VS Code',
          '',
          `Through the real VS Code harness (code-server 4.100.3 + Chromium): save (Ctrl+S) → new content visible in the`,
          `preview's iframe, median of ${RUNS} saves, debounce at its default 300 ms, a 1.5 s pause between edits:`,
          '',
          ...vscodeTable,
          '',
        ]
      : []),
    '<!-- bench:restart:end -->',
  ].join('\n');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n<!-- bench:restart:start -->\n<!-- bench:restart:end -->\n';
  const next = current.replace(/<!-- bench:restart:start -->[\s\S]*<!-- bench:restart:end -->/, section);
  fs.writeFileSync(file, next);
  console.log(`\nWrote ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:restart failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
