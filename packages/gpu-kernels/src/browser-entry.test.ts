import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

await describeBrowserEntry('@rgdl/gpu-kernels', import.meta.url);
