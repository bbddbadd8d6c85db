import type { Browser } from 'playwright-core';
/** The browser binary: $RGDL_CHROMIUM, else Debian's /usr/bin/chromium. */
export declare const chromiumPath: string;
/** Whether that binary exists. */
export declare function haveChromium(): boolean;
/** Debian's Chromium, headless, off the network, via playwright-core. */
export declare function launchChromium(): Promise<Browser>;
