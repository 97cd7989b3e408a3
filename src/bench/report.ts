/** Shared by the benchmarks: the median of interleaved rounds, and output that `--json` silences. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A `log(line)` that prints unless the run asked for JSON. */
export function textLog(asJson: boolean): (line?: string) => void {
  return (line = '') => {
    if (!asJson) console.log(line);
  };
}
