import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

await describeBrowserEntry('@rgdl/rbm', import.meta.url);
