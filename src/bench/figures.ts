// Figures and ratios: a measurement is a central value with a spread and a
// sample count; a comparison divides the container's figure by the native
// one and carries both spreads into the ratio's uncertainty.  Pure functions,
// so the report's arithmetic can be checked by recomputing it.

export interface Figure {
  /** median of workload runs, or mean of timed operations */
  readonly value: number;
  /** half the inter-quartile range (workloads), or the 95% margin of error (timed operations) */
  readonly spread: number;
  readonly samples: number;
  readonly unit: string;
  readonly statistic: 'median' | 'mean';
  /** benchmark.js's relative margin of error, in percent (timed operations only) */
  readonly rme?: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const index = (sorted.length - 1) * q;
  const low = Math.floor(index);
  return sorted[low]! + (sorted[Math.ceil(index)]! - sorted[low]!) * (index - low);
}

/** Median and half the inter-quartile range of repeated workload figures. */
export function summarize(values: readonly number[], unit: string): Figure {
  const sorted = [...values].sort((a, b) => a - b);
  return { value: quantile(sorted, 0.5), spread: (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 2, samples: sorted.length, unit, statistic: 'median' };
}

// Student's t, two-sided 95%, by degrees of freedom (as benchmark.js's table).
const T_TABLE = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Mean, 95% margin and rme of per-operation times (seconds), reported in ms, as benchmark.js computes them. */
export function timedFigure(secondsPerOp: readonly number[]): Figure {
  const n = secondsPerOp.length;
  const mean = secondsPerOp.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? secondsPerOp.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const sem = Math.sqrt(variance / n);
  const critical = n > 1 ? T_TABLE[n - 2] ?? 1.96 : 0;
  const moe = sem * critical;
  return { value: mean * 1000, spread: moe * 1000, samples: n, unit: 'ms', statistic: 'mean', rme: mean > 0 ? (moe / mean) * 100 : 0 };
}

export interface Ratio {
  readonly value: number;
  readonly error: number;
}

/** container / native, with relative spreads added in quadrature. */
export function ratioOf(container: Figure, native: Figure): Ratio {
  const value = container.value / native.value;
  const relative = Math.hypot(container.spread / container.value, native.spread / native.value);
  return { value, error: Math.abs(value) * relative };
}
