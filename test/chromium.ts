// Debian's Chromium, driven by playwright-core, for the integration and end-to-end suites: never
// a downloaded browser. Flags that work as root on a machine without internet.
import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Third-party cookies and storage as VS Code's webview has them: Electron allows them, while
 * Chromium 156 blocks them by default (and always in a Playwright context, which is incognito).
 * SameSite rules still apply.
 */
const THIRD_PARTY_COOKIES = '--disable-features=TrackingProtection3pcd,AlwaysBlock3pcsIncognito';

/**
 * Headless Chromium with a fresh temporary profile; `home` keeps it from writing to $HOME.
 * Third-party cookies are allowed as in VS Code's webview. `loopbackNames` resolve to
 * 127.0.0.1, so that a test can load a page from another site.
 */
export async function launchChromium(home: string, loopbackNames: readonly string[] = []): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (scripts/prereqs.sh test does)`);
  const args = [...FLAGS, THIRD_PARTY_COOKIES];
  if (loopbackNames.length) args.push(`--host-resolver-rules=${loopbackNames.map((n) => `MAP ${n} 127.0.0.1`).join(',')}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args, env: { ...process.env, HOME: home } });
}
