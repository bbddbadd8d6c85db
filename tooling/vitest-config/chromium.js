// Debian's Chromium, headless, driven by playwright-core (never a downloaded browser):
// one launcher for the browser test (apps/cli) and the gpujs bench (apps/bench).
import { existsSync } from 'node:fs';

/** The browser binary: $RGDL_CHROMIUM, else Debian's /usr/bin/chromium. */
export const chromiumPath = process.env.RGDL_CHROMIUM ?? '/usr/bin/chromium';

/** Whether that binary exists (apt-get install chromium). */
export const haveChromium = () => existsSync(chromiumPath);

/**
 * Launches it headless. The flags keep it off the network (this machine's closed
 * network refuses Chromium's background connections) and run it as root.
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
