import { rgdlVitestConfig } from '@rgdl/vitest-config';
export default rgdlVitestConfig();
