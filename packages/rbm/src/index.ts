/** @rgdl/rbm for Node: the universal API plus files on disk (model files, MNIST, CSV/IDX/NPY data). */
export * from './universal.js';
export { saveModel, loadModel } from './model-file-io.js';
export { loadMnist, type MnistOptions, type MnistSplit } from './datasets/mnist.js';
export {
  readCsvData,
  readIdxData,
  readNpyData,
  writeIdxBytes,
  writeNpyFloat64,
  splitByFractions,
  type FileDataOptions,
} from './datasets/files.js';
