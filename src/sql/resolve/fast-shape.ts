import type { ModelMeta } from '../../model/model-meta.ts'
import type { QueryState } from '../query-state.ts'
import { isPlainObject } from './where-builder.ts'

export interface FastShape {
  readonly key: string
  readonly params: unknown[]
}

/**
 * The key of one filter (`W(id,)`), its values appended to `params`; null unless every entry is an equality on
 * an own column with a plain value.
 */
export function fastFilterKey(meta: ModelMeta, input: unknown, negate: boolean, params: unknown[]): string | null {
  if (!isPlainObject(input)) return null
  let key = negate ? 'X(' : 'W('
  let first: string | undefined
  let n = 0
  for (const name in input) {
    const v = input[name]
    const t = typeof v
    if (!(t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || v instanceof Date)) return null
    const f = name === 'pk' ? meta.pk : (meta.fieldMap.get(name) ?? meta.attnameMap.get(name))
    if (f === undefined || !f.concrete || (negate && f.nullable)) return null
    key += `${name},`
    first = name
    n++
    params.push(v)
  }
  // One entry (`get({ id })`): the same key string every time, already hashed, instead of a new one per call.
  if (n === 1 && !negate) {
    let k = ONE_KEY.get(first!)
    if (k === undefined) {
      if (ONE_KEY.size >= 10_000) ONE_KEY.clear()
      ONE_KEY.set(first!, (k = `${key})`))
    }
    return k
  }
  return `${key})`
}

/** `W(name,)` by field name. */
const ONE_KEY = new Map<string, string>()

/**
 * The part of the fast key that does not depend on the filters: model, columns, ordering. A QuerySet that is
 * reused (a manager) computes it once. Null when the state is not simple enough.
 */
export function fastPrefix(state: QueryState, noOrder: boolean): string | null {
  if (state.forUpdate || state.groupByValues || state.keyset) return null
  for (const _ in state.annotations) return null
  let key = `F|${state.model.name}|${state.valuesMode}:${state.values?.join(',') ?? ''}|${state.only?.join(',') ?? '*'}|${state.defer.join(',')}|${state.selectRelated.join(',')}|`
  if (noOrder) return `${key}n|`
  if (state.order === null) return `${key}d|`
  for (const t of state.order) {
    if (typeof t !== 'string') return null
    key += `${t},`
  }
  return `${key}|`
}

/**
 * The shape key and parameters of a simple SELECT read straight off its description, without building the AST:
 * equality filters on the model's own columns with plain values, string orderings, no annotations. This is
 * the path of `get({ id })` and most list pages; anything else returns null and takes the full build.
 *
 * The parameters come out in the order the full build pushes them (filters, then LIMIT, then OFFSET), and the
 * key maps to the entry the full build compiled (tests recheck every hit against a full build).
 */
export function fastSelectShape(
  state: QueryState,
  options: { defaultLimit?: number | undefined; noOrder?: boolean | undefined },
  prefix: string | null = fastPrefix(state, options.noOrder ?? false),
): FastShape | null {
  if (prefix === null) return null
  const meta = state.model
  let key = prefix
  const params: unknown[] = []
  for (const w of state.where) {
    const part = fastFilterKey(meta, w.input, w.negate, params)
    if (part === null) return null
    key += part
  }
  const limit = state.limit ?? options.defaultLimit
  if (limit !== undefined) {
    key += 'L'
    params.push(limit)
  }
  if (state.offset) {
    key += 'O'
    params.push(state.offset)
  }
  if (state.distinct) key += 'D'
  return { key, params }
}
