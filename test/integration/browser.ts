// A real browser for integration tests (test/chromium.ts), with every
// failed request of the page recorded (a 404 of a script or a style is a broken preview).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { FORWARDED_HOST, WEBVIEW_HOST } from './forwarder';

export class TestBrowser {
  private constructor(
    readonly browser: Browser,
    private readonly home: string,
  ) {}

  static async launch(): Promise<TestBrowser> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-it-chromium-'));
    const browser = await launchChromium(home, [FORWARDED_HOST, WEBVIEW_HOST]);
    return new TestBrowser(browser, home);
  }

  /** A new page whose failed requests (status ≥ 400, or no answer) to `origin` are collected. */
  async page(origin: string): Promise<{ page: Page; failures: string[] }> {
    const context = await this.browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(origin) && r.status() >= 400) failures.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => {
      // A navigation away (a reload) aborts what was in flight: not a failure of the app.
      const why = r.failure()?.errorText ?? '';
      if (r.url().startsWith(origin) && !/ERR_ABORTED/.test(why)) failures.push(`failed ${r.method()} ${r.url()}: ${why}`);
    });
    return { page, failures };
  }

  async close(): Promise<void> {
    await this.browser.close();
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

/** Waits until `text` is rendered (Playwright's text engine pierces shadow roots: Panel, Bokeh). */
export async function seeText(page: Page | FrameLocator, text: string, timeoutMs = 30_000): Promise<void> {
  await page.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout: timeoutMs });
}
