import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

describeBrowserEntry('@rgdl/fisher', import.meta.url);
