// Summaries of samples: min / median / max, percentiles, ratios.

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function summarize(samples: number[]): Summary | undefined {
  const s = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  return { n: s.length, min: s[0], median: quantileSorted(s, 0.5), max: s[s.length - 1] };
}

/** Linear-interpolated quantile of sorted values (q in [0,1]). */
export function quantileSorted(sorted: number[], q: number): number {
  if (sorted.length === 1) return sorted[0];
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function percentile(values: number[], q: number): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    q,
  );
}

/** berth / Docker of the medians; undefined when either is missing or Docker's is 0. */
export function ratio(berth: Summary | undefined, docker: Summary | undefined): number | undefined {
  if (!berth || !docker || docker.median === 0) return undefined;
  return berth.median / docker.median;
}
