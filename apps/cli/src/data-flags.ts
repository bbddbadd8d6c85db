/** The CLI's data flags (parsed by @rgdl/experiments' parseDataFlags). */
/** The flags every command that reads data takes (spread into its options). */
export const DATA_OPTIONS = {
  data: { type: 'string' },
  size: { type: 'string' },
  threshold: { type: 'string' },
  fractions: { type: 'string' },
  'max-line-bytes': { type: 'string' },
} as const;

export const DATA_HELP = `  --data SOURCE           mnist | bas | synthetic (shipped), or your own:
                          csv:PATH (lines 'label,x1,…,xn'; a header line is skipped),
                          idx:IMAGES,LABELS (the MNIST IDX format),
                          npy:DATA,LABELS (labels .npy or one integer per line)
  --size N                shipped sets: mnist 28, 14 or 7; bas/synthetic side
  --threshold T|none      own data: x ≥ T → 1, 'none' keeps values in [0, 1] (0.5)
  --fractions a,b,c       own data: train, attacker, test fractions in file order
                          (0.6,0.2,0.2)
  --max-line-bytes N      own data: the longest CSV or labels line read (1048576)
Data files must be regular files: directories, FIFOs, devices and sockets are
refused before anything is read.`;
