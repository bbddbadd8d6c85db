import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

describeBrowserEntry('@rgdl/rg-flow', import.meta.url);
