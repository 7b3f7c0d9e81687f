// Builds the extension bundle (node, CJS) and the webview script (browser, IIFE).
// `--production` minifies and drops source maps; `--watch` rebuilds on change;
// `--tests` also transpiles src/ and test/ file by file into out/ for `node --test`.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

/** @param {string} dir @returns {string[]} */
function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function copyCodicons() {
  mkdirSync('media/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) {
    copyFileSync(join('node_modules/@vscode/codicons/dist', f), join('media/codicons', f));
  }
}

const configs = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // The Azure SDKs are their own bundle, loaded on first use (src/azure/sdk.ts).
    external: ['vscode', './azure-sdk.js'],
    // The first statement of the bundle: activation time then includes loading the module.
    banner: { js: 'var __dapLoadStart = performance.now();' },
  },
  {
    ...common,
    entryPoints: ['src/azure/azure-sdk.ts'],
    outfile: 'dist/azure-sdk.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: ['src/reaper/main.ts'],
    outfile: 'dist/reaper.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];
if (tests) {
  rmSync('out', { recursive: true, force: true });
  configs.push({
    entryPoints: [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('scripts')],
    outdir: 'out',
    outbase: '.',
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

copyCodicons();
if (watch) {
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
