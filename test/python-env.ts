// The interpreters the tests use: the project's own venvs, made by scripts/python-env.sh from the
// pinned locks in requirements/ (npm test and npm start run it first). Never whatever python3
// comes first on PATH. Importing this module never throws (npm start imports it and works
// without the venv); asking for a venv that is missing does, with how to make it.
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../..');

/** The interpreter of the venv `name` (main: every framework, newest pins; seed: Panel 1.4.4 + adlfs 2023.8). */
export function venvPython(name: 'main' | 'seed'): string {
  const py = path.join(REPO, '.cache', 'python', name, 'bin', 'python');
  if (!fs.existsSync(py)) {
    throw new Error(`The project's Python environment "${name}" is missing (${py}). Make it with: bash scripts/python-env.sh ${name}   (npm test does this first)`);
  }
  return py;
}
