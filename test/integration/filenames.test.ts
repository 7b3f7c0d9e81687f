// File names must never become options or break imports: every framework starts an app whose
// file name begins with "-" and holds spaces, dots, unicode and quotes, with exactly the launch
// the extension builds, and its page answers. (Cold runs; the frameworks test covers the rest.)
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { FrameworkId } from '../../src/core/frameworks';
import { FileNameError } from '../../src/core/launch';
import type { WarmLaunch } from '../../src/core/warm';
import { get, startable } from './harness';

const FRAMEWORKS = path.resolve(__dirname, '../../../test/fixtures/frameworks');
/** One name with every hazard: a leading "-", spaces, dots, unicode and both quotes. */
const HOSTILE = `-it's "my" app.v2 café`;

interface Case {
  readonly framework: FrameworkId;
  /** The fixture: in test/fixtures/frameworks, else test/fixtures/apps. */
  readonly fixture: string;
  readonly fromFrameworks?: boolean;
  /** Text the served page (its first HTML) holds. */
  readonly expect?: RegExp;
  /** Bokeh and Panel cannot route such a name: they get a clear message, and a name they can route still runs. */
  readonly routesByName?: true;
}

const CASES: Case[] = [
  { framework: 'panel', fixture: 'panel_app.py', fromFrameworks: true, routesByName: true },
  { framework: 'bokeh', fixture: 'bokeh_app.py', fromFrameworks: true, routesByName: true },
  { framework: 'streamlit', fixture: 'streamlit_app.py', fromFrameworks: true },
  { framework: 'dash', fixture: 'dash_app.py', fromFrameworks: true },
  { framework: 'shiny', fixture: 'shiny_app.py', fromFrameworks: true },
  { framework: 'gradio', fixture: 'gradio_app.py', fromFrameworks: true },
  { framework: 'voila', fixture: 'voila_app.ipynb', fromFrameworks: true },
  { framework: 'solara', fixture: 'solara_app.py', fromFrameworks: true },
  { framework: 'flask', fixture: 'flask_app.py', expect: /VERSION-1/ },
  { framework: 'fastapi', fixture: 'fastapi_app.py', expect: /VERSION-1/ },
  { framework: 'script', fixture: 'stdlib_app.py', expect: /VERSION-1/ },
];

/** Starts `as` cold, then warm (through the standby), and checks the page each time. */
async function runsColdThenWarm(c: Case, as: string): Promise<void> {
  const app = startable(c.fixture, c.framework, { as, watch: false, warm: {}, ...(c.fromFrameworks ? { from: FRAMEWORKS } : {}) });
  try {
    for (const run of ['cold', 'warm'] as const) {
      if (run === 'warm') {
        assert.ok(await (app.strategy as WarmLaunch).standbyReady(), 'a standby is ready');
        assert.equal((await app.controller.restartNow('warm')).kind, 'ready');
      } else {
        await app.startReady();
      }
      const page = await get(app.controller.supervisor.url!);
      assert.equal(page.status, 200, `${run}: ${app.controller.supervisor.url} answered ${page.status}`);
      if (c.expect) assert.match(page.body, c.expect);
    }
    assert.deepEqual(
      app.log.lines.filter((l) => / start \(/.test(l)).map((l) => / start \((\w+)/.exec(l)![1]),
      ['cold', 'warm'],
    );
  } finally {
    await app.dispose();
  }
}

describe('hostile file names', () => {
  for (const c of CASES) {
    const as = `${HOSTILE}${path.extname(c.fixture)}`;
    it(`${c.framework}: ${as}`, { timeout: 120_000 }, async () => {
      if (!c.routesByName) return runsColdThenWarm(c, as);
      const app = startable(c.fixture, c.framework, { as, watch: false, from: FRAMEWORKS });
      try {
        const outcome = await app.controller.start();
        assert.equal(outcome.kind, 'failed');
        const { error } = outcome as { error: Error };
        assert.ok(error instanceof FileNameError, String(error));
        assert.match(error.message, /cannot serve "-it's "my" app\.v2 café" there.*Rename the file, for example to -it_s_my_app\.v2_cafe\.py/);
        assert.deepEqual(
          app.log.lines.filter((l) => / start \(/.test(l)),
          [],
          'nothing was started',
        );
      } finally {
        await app.dispose();
      }
      await runsColdThenWarm(c, `-it's-app.v2.py`); // a leading "-", a quote and dots: routable
    });
  }
});
