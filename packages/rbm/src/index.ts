/** @rgdl/rbm for Node: the universal API plus files on disk (model files, MNIST, CSV/IDX/NPY data). */
export * from './universal.js';
export { saveModel, loadModel, MODEL_FILE_LIMIT_BYTES } from './model-file-io.js';
export { FileRefusedError, openRegularFile, readRegularFileText } from './safe-read.js';
export { loadMnist, type MnistOptions, type MnistSplit } from './datasets/mnist.js';
export {
  readCsvData,
  readIdxData,
  readNpyData,
  writeIdxBytes,
  writeNpyFloat64,
  splitByFractions,
  CSV_LINE_LIMIT_BYTES,
  type FileDataOptions,
} from './datasets/files.js';
