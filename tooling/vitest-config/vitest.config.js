import { rgdlVitestConfig } from './index.js';
export default rgdlVitestConfig({ include: ['*.test.js'] });
