export { barsAndStripes } from './bars-and-stripes.js';
export { inputRows, oneHot, subset, type LabelledData } from './labelled.js';
export { loadMnist, type MnistOptions, type MnistSplit } from './mnist.js';
export { noisyPrototypes, type SyntheticOptions } from './synthetic.js';
export {
  readCsvData,
  readIdxData,
  readNpyData,
  writeIdxBytes,
  writeNpyFloat64,
  splitByFractions,
  type FileDataOptions,
} from './files.js';
