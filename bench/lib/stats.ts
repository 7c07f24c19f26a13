export interface Stats {
  readonly n: number
  readonly median: number
  readonly p10: number
  readonly p90: number
  readonly min: number
  readonly max: number
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  )
}

export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b)
  const r = (x: number) => Number(x.toFixed(4))
  return {
    n: s.length,
    median: r(quantile(s, 0.5)),
    p10: r(quantile(s, 0.1)),
    p90: r(quantile(s, 0.9)),
    min: r(s[0]!),
    max: r(s[s.length - 1]!),
  }
}
