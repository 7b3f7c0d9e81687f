// Real Python data apps: started, probed, restarted by a file change until the new content is
// served, and stopped, with nothing left in the process table.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { FrameworkId } from '../../src/core/frameworks';
import { get, isAlivePid, startable, waitFor } from './harness';

const APPS: Array<[string, string, FrameworkId]> = [
  ['standard library http.server', 'stdlib_app.py', 'script'],
  ['Tornado', 'tornado_app.py', 'script'],
  ['Flask (flask run, no reloader)', 'flask_app.py', 'flask'],
  ['FastAPI (uvicorn, no --reload)', 'fastapi_app.py', 'fastapi'],
];

describe('real apps: start, restart on a file change, stop', () => {
  for (const [label, fixture, framework] of APPS) {
    it(label, async () => {
      const app = startable(fixture, framework);
      try {
        const started = await app.controller.start();
        assert.equal(started.kind, 'ready', JSON.stringify(started));
        assert.equal(app.controller.supervisor.state, 'ready');
        const url = app.controller.supervisor.url!;
        assert.match((await get(url)).body, /VERSION-1/);
        const firstPid = app.controller.supervisor.pid!;
        const port = app.controller.supervisor.port;

        // Save a new version: the watcher sees it and the scheduler restarts the app.
        fs.writeFileSync(app.file, fs.readFileSync(app.file, 'utf8').replace('VERSION-1', 'VERSION-2'));
        await waitFor('the new content to be served', async () => {
          const r = await get(url).catch(() => undefined);
          return r?.body.includes('VERSION-2') ? r : undefined;
        });
        await app.controller.idle();
        assert.equal(app.controller.supervisor.state, 'ready');
        assert.equal(app.controller.supervisor.restarts, 1);
        assert.equal(app.controller.supervisor.port, port, 'the port is kept across restarts');
        assert.notEqual(app.controller.supervisor.pid, firstPid);
        assert.equal(isAlivePid(firstPid), false, 'the old server process is gone');

        // The log shows close → stop → start for the restart, in that order.
        const runLines = app.log.lines.filter((l) => /\[run \w+\] (close|stop pid|start)/.test(l));
        const order = runLines.map((l) => /\] (close|stop|start)/.exec(l)![1]);
        assert.deepEqual(order, ['start', 'close', 'stop', 'start']);

        await app.controller.stop();
        assert.equal(app.controller.supervisor.state, 'stopped');
        assert.equal(
          await get(url).then(
            () => 'answered',
            () => 'refused',
          ),
          'refused',
        );
      } finally {
        await app.dispose();
      }
    });
  }
});
