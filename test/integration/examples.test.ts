// Every app in examples/ (what `npm start` opens) runs from the project's venv: the framework
// the extension detects for it, the command it builds, the page rendered in Chromium with none
// of its own requests failing, and nothing left after stop. The Azure example reads its blob
// from a real Azurite with the connection string the extension hands an emulator run.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobHub } from '../../src/azure/hub';
import { detectFramework, type FrameworkId } from '../../src/core/frameworks';
import { emulatorAppEnv, keyTarget, putExampleSales, startAzurite, type TestAzurite } from './azure-env';
import { TestBrowser, seeText } from './browser';
import { sleep, startable } from './harness';

const EXAMPLES = path.resolve(__dirname, '../../../examples');

/** What each example is detected as, and texts its page shows once rendered (after its websocket, where it has one). */
const EXPECTED: Record<string, { framework: FrameworkId; texts: string[] }> = {
  'tornado_dashboard.py': { framework: 'script', texts: ['Monthly sales', '6 months, total'] },
  'hello_stdlib.py': { framework: 'script', texts: ['Hello from the standard library'] },
  'azure_sales.py': { framework: 'script', texts: ['sales/data/sales.csv: 6 rows, total'] },
  'flask_app.py': { framework: 'flask', texts: ['Hello from Flask'] },
  'fastapi_app.py': { framework: 'fastapi', texts: ['Hello from FastAPI'] },
  'panel_app.py': { framework: 'panel', texts: ['Panel', '⭐⭐⭐'] },
  'streamlit_app.py': { framework: 'streamlit', texts: ['Streamlit', '⭐⭐⭐'] },
  'dash_app.py': { framework: 'dash', texts: ['Dash'] },
};

const apps = fs
  .readdirSync(EXAMPLES)
  .filter((n) => n.endsWith('.py'))
  .sort();

let browser: TestBrowser;
let azurite: TestAzurite;
before(async () => {
  [browser, azurite] = await Promise.all([TestBrowser.launch(), startAzurite()]);
  const hub = new BlobHub();
  try {
    await putExampleSales(hub.client({ target: keyTarget(azurite) }));
  } finally {
    hub.dispose();
  }
});
after(async () => {
  await browser?.close();
  await azurite?.stop();
});

describe('every example of npm start runs from the project venv', () => {
  it('each example has an expectation here (a new one must be added)', () => {
    assert.deepEqual(apps, Object.keys(EXPECTED).sort());
  });

  for (const name of apps) {
    const expected = EXPECTED[name];
    it(`${name}: ${expected?.framework ?? '?'}`, async () => {
      assert.ok(expected, `${name} has no expectation in this test`);
      const detected = detectFramework({ filePath: path.join(EXAMPLES, name), text: fs.readFileSync(path.join(EXAMPLES, name), 'utf8') });
      assert.equal(detected?.framework, expected.framework, `${name} is detected as ${expected.framework} (${detected?.reason ?? 'nothing detected'})`);
      // The Azure example gets what the extension gives a run with the emulator's container picked.
      const env = name === 'azure_sales.py' ? emulatorAppEnv(azurite) : {};
      const app = startable(name, expected.framework, { fixtureDir: EXAMPLES, watch: false, env });
      try {
        await app.startReady();
        const url = app.controller.supervisor.url!;
        const { page, failures } = await browser.page(new URL(url).origin);
        await page.goto(url, { waitUntil: 'load' });
        for (const text of expected.texts) await seeText(page, text);
        await sleep(300);
        assert.deepEqual(failures, [], `${name}: the page's own requests all succeeded`);
        await page.context().close();
        await app.controller.stop();
      } finally {
        await app.dispose(); // asserts that nothing of it is left running
      }
    });
  }
});
