import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

await describeBrowserEntry('@rgdl/poison', import.meta.url);
