import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

describeBrowserEntry('@rgdl/rbm', import.meta.url);
