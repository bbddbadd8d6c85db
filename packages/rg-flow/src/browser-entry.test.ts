import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

await describeBrowserEntry('@rgdl/rg-flow', import.meta.url);
