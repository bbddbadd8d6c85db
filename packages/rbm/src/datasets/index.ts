export { barsAndStripes } from './bars-and-stripes.js';
export { inputRows, oneHot, subset, type LabelledData } from './labelled.js';
export { noisyPrototypes, type SyntheticOptions } from './synthetic.js';
