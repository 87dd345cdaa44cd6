// The bootstrap's defaults, apart from the model so the CLI's help can name them without
// loading it.

export const DEFAULT_SEED = 20250106;
// 1,000 resamples: the usual floor for 95% percentile intervals, and what a 100k-trial sweep affords.
export const DEFAULT_RESAMPLES = 1000;
