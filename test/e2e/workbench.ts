// Drives the VS Code workbench in Debian's Chromium with playwright-core, asserting on what a
// person sees: the palette, the editor, the preview webview and the app inside its iframe.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { REPO, type CodeServer } from './vscode';

export const SHOTS = process.env.DAP_SCREENSHOTS ?? path.join(REPO, 'test-results', 'e2e');

/** A RegExp matching exactly `text`. */
function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** The id of the frame's element in its parent (VS Code's webview page on show is 'active-frame'). */
async function frameId(f: Frame): Promise<string | null> {
  if (!f.parentFrame()) return null;
  const el = await f.frameElement().catch(() => null);
  return (await el?.getAttribute('id').catch(() => null)) ?? null;
}

export class Workbench {
  private shot = 0;
  private readonly consoleLines: string[] = [];
  private constructor(
    readonly server: CodeServer | undefined,
    readonly browser: Browser,
    readonly page: Page,
    private readonly profile: string,
  ) {}

  /** `server` undefined: a code-server started by someone else (npm start), at `url`. */
  static async open(server: CodeServer | undefined, url = server!.folderUrl(), beforeGoto?: (page: Page) => Promise<unknown>): Promise<Workbench> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-chromium-'));
    const browser = await launchChromium(profile);
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const wb = new Workbench(server, browser, page, profile);
    // The pages' console (the webviews' too), for the diagnosis of a failed wait.
    page.on('console', (m) => wb.remember(`${m.type()} ${m.text()} (${m.location().url})`));
    page.on('pageerror', (e) => wb.remember(`pageerror ${e.message}`));
    await beforeGoto?.(page);
    await wb.goto(url);
    return wb;
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url);
    await this.waitForWorkbench();
  }

  async waitForWorkbench(): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
  }

  /** Runs a command from the palette by its full title ("Category: Title"). */
  async command(title: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press('F1');
        const input = this.page.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible', timeout: 5000 });
        await input.fill(`>${title}`);
        // The row whose label is exactly the title (not "…Close Editor Group" for "…Close Editor").
        const row = this.page
          .locator('.quick-input-widget .monaco-list-row')
          .filter({
            has: this.page.locator('.label-name', { hasText: exactly(title) }),
          })
          .first();
        await row.waitFor({ state: 'visible', timeout: 10_000 });
        await row.click();
        return;
      } catch (e) {
        if (attempt >= 3) throw new Error(`Could not run "${title}": ${(e as Error).message}`);
      }
    }
  }

  /** Whether the palette offers a command with exactly this title right now. */
  async paletteHas(title: string): Promise<boolean> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill(`>${title}`);
    await this.page.waitForTimeout(400);
    const labels = await this.page.locator('.quick-input-widget .monaco-list-row .label-name').allTextContents();
    await this.page.keyboard.press('Escape');
    return labels.includes(title);
  }

  /** Opens a workspace file with Quick Open and waits for its editor. */
  async openFile(rel: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill(rel);
    // The file itself, not a history entry such as a closed preview titled "<name> · …".
    const row = this.page
      .locator('.quick-input-widget .monaco-list-row')
      .filter({
        has: this.page.locator('.label-name', { hasText: exactly(path.basename(rel)) }),
      })
      .first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await row.click();
    const name = path.basename(rel);
    await this.page
      .locator('.editor-group-container.active .tab.active .label-name', { hasText: exactly(name) })
      .first()
      .waitFor({ timeout: 10_000 });
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 10_000 });
  }

  /** Focuses the text editor of the active tab. */
  async focusEditor(): Promise<void> {
    await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  }

  /** Puts the cursor on line `line` (1-based) of the active editor with Go to Line (Ctrl+G). */
  async goToLine(line: number): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill(`:${line}`);
    await this.page.keyboard.press('Enter');
  }

  /** Replaces line `line` (1-based) of the active editor with `text`, as a person would type it. */
  async setLine(line: number, text: string): Promise<void> {
    await this.goToLine(line);
    await this.page.keyboard.press('Home');
    await this.page.keyboard.press('Home'); // past the indentation, to column 1
    await this.page.keyboard.press('Shift+End');
    await this.page.keyboard.type(text);
  }

  /** Closes an editor tab with its close button, as a person would, and waits for it to go. */
  async closeTab(labelPart: string): Promise<void> {
    const tab = this.page.locator(`.tab[aria-label*="${labelPart}"]`).first();
    await tab.click();
    await tab.locator('.codicon-close').click();
    await tab.waitFor({ state: 'detached', timeout: 10_000 });
  }

  async save(): Promise<void> {
    await this.page.keyboard.press('Control+S');
  }

  /** The preview webview's document for the app, found by the toolbar title. */
  async previewFrame(appName: string, timeoutMs = 30_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // The page on show: VS Code loads a new page of a webview in a hidden frame ('pending-frame')
      // and removes the old one when it has loaded; only 'active-frame' is what a person sees.
      for (const f of this.page.frames()) {
        const title = await f.evaluate(() => document.querySelector('#title')?.textContent ?? null).catch(() => null);
        if (title?.startsWith(appName) && (await frameId(f)) === 'active-frame') return f;
      }
      await this.page.waitForTimeout(100);
    }
    throw new Error(`No preview for ${appName} appeared\n${await this.diagnosis()}`);
  }

  /** The app's own page inside the preview (the iframe#app-frame). */
  async appFrame(appName: string): Promise<Frame> {
    const preview = await this.previewFrame(appName);
    const handle = await preview.waitForSelector('#app-frame', { state: 'attached', timeout: 10_000 });
    const frame = await handle.contentFrame();
    if (!frame) throw new Error('the app iframe has no frame');
    return frame;
  }

  /** Waits until the app's page shows text matching `re`; returns that text. */
  async waitForAppText(appName: string, selector: string, re: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const frame = await this.appFrame(appName);
        last = (await frame.locator(selector).first().textContent({ timeout: 500 })) ?? '';
        if (re.test(last)) return last;
      } catch {
        // the frame is navigating
      }
      await this.page.waitForTimeout(50);
    }
    throw new Error(`${appName}: ${selector} never matched ${re} (last: "${last}")\n${await this.diagnosis()}`);
  }

  private remember(line: string): void {
    this.consoleLines.push(`${new Date().toISOString().slice(11, 23)} ${line.slice(0, 400)}`);
    if (this.consoleLines.length > 200) this.consoleLines.shift();
  }

  /** What the frames show and the console said: for the message of a wait that failed. */
  async diagnosis(): Promise<string> {
    const frames = await Promise.all(
      this.page.frames().map(async (f) => {
        const seen = await f
          .evaluate(() => ({
            ready: document.readyState,
            title: document.querySelector('#title')?.textContent ?? null,
            state: document.querySelector('#state')?.textContent ?? null,
            rendered: document.body?.dataset.state ?? null,
          }))
          .catch((e: Error) => ({ error: e.message.split('\n')[0] }));
        return `  ${f.url().slice(0, 160)} #${await frameId(f)} ${JSON.stringify(seen)}`;
      }),
    );
    return `frames:\n${frames.join('\n')}\nconsole (last 40):\n${this.consoleLines.slice(-40).join('\n')}`;
  }

  /** Waits until the preview's state label reads `label`. */
  async waitForState(appName: string, label: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const f = await this.previewFrame(appName, timeoutMs);
      last =
        (await f
          .locator('#state')
          .textContent()
          .catch(() => '')) ?? '';
      if (label.test(last)) return;
      await this.page.waitForTimeout(50);
    }
    throw new Error(`${appName}: state never matched ${label} (last: "${last}")\n${await this.diagnosis()}`);
  }

  /** Runs a command of a file's context menu in the Explorer ("Preview App"). */
  async explorerCommand(fileName: string, title: string): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row', { has: this.page.locator('.label-name', { hasText: exactly(fileName) }) }).click({ button: 'right' });
    const item = this.page.locator('.context-view .action-item', { has: this.page.locator('.action-label', { hasText: exactly(title) }) }).first();
    await item.hover();
    await this.page.keyboard.press('Enter'); // the menu takes the highlighted item (a click on its label may not reach it)
  }

  async clickPreviewButton(appName: string, id: string): Promise<void> {
    const f = await this.previewFrame(appName);
    await f.locator(`#${id}`).click();
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${String(++this.shot).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}
