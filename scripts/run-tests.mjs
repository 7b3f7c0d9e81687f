// Runs `node --test` on the *.test.js files of one suite (node 20 has no glob support, and
// given a folder it would also run helpers such as harness.js as tests).
// Usage: node scripts/run-tests.mjs unit|integration|e2e [extra node --test flags]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [suite, ...flags] = process.argv.slice(2);
const dir = join('out', 'test', suite ?? '');
if (!suite || !existsSync(dir)) {
  console.error(`run-tests: no compiled suite at ${dir} (run "npm run build:tests" first)`);
  process.exit(2);
}
const files = [];
(function walk(d) {
  for (const n of readdirSync(d).sort()) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (n.endsWith('.test.js')) files.push(p);
  }
})(dir);
if (!files.length) {
  console.error(`run-tests: no *.test.js files in ${dir}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...flags, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
