/** One placeholder's binding: which parameter (and element of a list) it takes, converted how. */
export interface BindSlot {
  readonly i: number
  /** Element of an array parameter, or -1 for the whole value. */
  readonly el: number
  readonly conv: ((v: unknown) => unknown) | null
}

/**
 * A result column that holds a datetime, and how to turn the driver's cell into epoch milliseconds. Its reader (the
 * row mapper's converter) takes such a number as well as the driver's own form, so an interceptor that keeps rows (the
 * query cache) may store the cell as a number and hand it back: each read then makes a new Date without parsing text.
 */
export interface EpochColumn {
  readonly index: number
  readonly toEpoch: (v: unknown) => number | null
}

/** SQL text plus how to bind values into it. Independent of the values, so cached by query shape. */
export interface CompiledQuery {
  readonly sql: string
  readonly bind: readonly BindSlot[]
  /** Tables the statement reads or writes (for the query cache and write reports). */
  readonly tables: readonly string[]
  /** The shape key this statement is cached under (set where it is cached; absent for raw SQL and DDL). */
  readonly shapeKey?: string
  /** The datetime columns of its rows, where it is a SELECT whose rows are mapped (set with `shapeKey`). */
  readonly epochColumns?: readonly EpochColumn[]
}

/** Turn the values of a query into the driver's parameter list. */
export function bindParams(q: CompiledQuery, values: readonly unknown[]): unknown[] {
  const b = q.bind
  const out = new Array(b.length)
  for (let j = 0; j < b.length; j++) {
    const s = b[j]!
    let v = values[s.i]
    if (s.el >= 0) v = (v as unknown[])[s.el]
    out[j] = s.conv === null ? v : s.conv(v)
  }
  return out
}
