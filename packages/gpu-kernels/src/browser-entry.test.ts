import { describeBrowserEntry } from '@rgdl/vitest-config/browser-bundle';

describeBrowserEntry('@rgdl/gpu-kernels', import.meta.url);
