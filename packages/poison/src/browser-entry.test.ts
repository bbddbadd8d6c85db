import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

describeBrowserEntry('@rgdl/poison', import.meta.url);
