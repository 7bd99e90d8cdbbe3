/**
 * Headless Chromium for page tests: Debian's `chromium` (installed by .ci/system-packages.sh),
 * driven by puppeteer-core through its executable path. `--no-sandbox`: CI runs as root, where
 * Chromium's sandbox refuses to start.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.DYNPIPE_CHROMIUM ?? '/usr/bin/chromium';

/** Why page tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (Debian package chromium; .ci/system-packages.sh installs it)`;
}

export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
