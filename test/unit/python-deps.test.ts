// Every module a fixture or an example app imports is either the standard library, the app's
// own, or pinned in requirements/: a fresh machine then has it (scripts/python-env.sh installs
// exactly those). Asks the main venv's interpreter which names are standard and which
// distribution provides each module.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { pythonImports } from '../../src/core/frameworks';
import { venvPython } from '../python-env';

const PYTHON = venvPython('main');

const root = path.resolve(__dirname, '../../..');
const APP_FOLDERS = ['test/fixtures', 'test/e2e/workspace', 'examples'];
/** Modules a test makes itself at run time. */
const MADE_BY_TESTS: Record<string, string> = { fakepkg: 'warm.test.ts puts it on PYTHONPATH' };

function appFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : appFiles(p);
    return /\.(py|ipynb)$/.test(e.name) ? [p] : [];
  });
}

/** The Python source of a file (a notebook's code cells). */
function sourceOf(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  if (!file.endsWith('.ipynb')) return text;
  const nb = JSON.parse(text) as { cells: Array<{ cell_type: string; source: string | string[] }> };
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source))
    .join('\n');
}

function pinnedNames(): Set<string> {
  const names = new Set<string>();
  for (const lock of ['main', 'seed']) {
    for (const line of fs.readFileSync(path.join(root, 'requirements', `${lock}.txt`), 'utf8').split('\n')) {
      const m = /^([A-Za-z0-9._-]+)==\S+$/.exec(line.trim());
      if (m) names.add(normalize(m[1]!));
    }
  }
  return names;
}

const normalize = (dist: string) => dist.toLowerCase().replace(/[-_.]+/g, '-');

describe('Python dependencies of fixtures and examples', () => {
  it('the locks pin every package exactly', () => {
    for (const lock of ['main', 'seed']) {
      const lines = fs
        .readFileSync(path.join(root, 'requirements', `${lock}.txt`), 'utf8')
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#'));
      assert.ok(lines.length > 10, `requirements/${lock}.txt lists packages`);
      for (const l of lines) assert.match(l, /^[A-Za-z0-9._-]+==[0-9][^\s;]*$/, `requirements/${lock}.txt: "${l}" is not an exact pin`);
    }
  });

  let asked: Interpreter | undefined;
  const info = () =>
    (asked ??= JSON.parse(
      execFileSync(
        PYTHON,
        ['-c', 'import sys, json, importlib.metadata as m; print(json.dumps({"stdlib": sorted(sys.stdlib_module_names), "dists": m.packages_distributions()}))'],
        { encoding: 'utf8' },
      ),
    ) as Interpreter);

  it('every import is the standard library, the app’s own, or pinned in requirements/', () => {
    const files = APP_FOLDERS.flatMap((d) => appFiles(path.join(root, d)));
    assert.ok(files.length > 20, `found the app files (${files.length})`);
    assert.deepEqual(importProblems(files, info()), []);
  });

  it('names the file and the module when one is not pinned', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-deps-'));
    try {
      fs.writeFileSync(path.join(dir, 'app.py'), 'import os\nimport mine\nimport numpy_is_not_here\nimport pandas\n');
      fs.writeFileSync(path.join(dir, 'mine.py'), '');
      const problems = importProblems([path.join(dir, 'app.py')], info());
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0]!, /app\.py imports "numpy_is_not_here", which is neither the standard library nor pinned/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Interpreter {
  stdlib: string[];
  dists: Record<string, string[]>;
}

function importProblems(files: string[], info: Interpreter): string[] {
  const stdlib = new Set(info.stdlib);
  const pinned = pinnedNames();
  const problems: string[] = [];
  for (const file of files) {
    const dir = path.dirname(file);
    for (const mod of pythonImports(sourceOf(file))) {
      if (stdlib.has(mod) || MADE_BY_TESTS[mod]) continue;
      if (fs.existsSync(path.join(dir, `${mod}.py`)) || fs.existsSync(path.join(dir, mod, '__init__.py'))) continue; // the app's own module
      const dists = (info.dists[mod] ?? []).map(normalize);
      if (!dists.some((d) => pinned.has(d))) {
        problems.push(
          `${path.relative(root, file)} imports "${mod}", which is neither the standard library nor pinned in requirements/ (add its package to requirements/main.in and run scripts/lock-python.sh main)`,
        );
      }
    }
  }
  return problems;
}
