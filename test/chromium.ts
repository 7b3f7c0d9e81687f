// Debian's Chromium, driven by playwright-core, for the integration and end-to-end suites: never
// a downloaded browser. Flags that work as root on a machine without internet.
import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** Headless Chromium with a fresh temporary profile; `home` keeps it from writing to $HOME. */
export async function launchChromium(home: string): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (scripts/prereqs.sh test does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, env: { ...process.env, HOME: home } });
}
