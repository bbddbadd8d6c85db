import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

await describeBrowserEntry('@rgdl/fisher', import.meta.url);
