import type { ModelMeta } from '../../model/model-meta.ts'
import type { QueryState } from '../query-state.ts'
import { isPlainObject } from './where-builder.ts'

export interface FastShape {
  readonly key: string
  readonly params: unknown[]
}

/** A value the fast path takes as it is: the full build pushes it unchanged too (converted only at binding). */
const plain = (v: unknown): boolean => {
  const t = typeof v
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || v instanceof Date
}

/**
 * Lookups whose parameter the full build pushes unchanged, one per lookup, and whose SQL depends only on the field
 * and the lookup's name (`in`, `range`, `isnull`, regexes and F() expressions take the full build).
 */
const FAST_LOOKUPS = new Set([
  'exact',
  'iexact',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
])

/** Field kinds whose lookup objects are plain comparisons (not relations, not JSON paths). */
const LOOKUP_KINDS = new Set([
  'auto',
  'string',
  'text',
  'integer',
  'bigint',
  'float',
  'decimal',
  'boolean',
  'datetime',
  'date',
  'uuid',
  'enum',
])

/**
 * The key of one filter (`W(id,)`, `W(published,title:icontains;,)`), its values appended to `params`; null unless
 * every entry is an own column compared with a plain value: by equality, or through lookups of FAST_LOOKUPS on a
 * column that is not a relation (W5's `{ published: true, title: { icontains } }`).
 */
export function fastFilterKey(meta: ModelMeta, input: unknown, negate: boolean, params: unknown[]): string | null {
  if (!isPlainObject(input)) return null
  let key = negate ? 'X(' : 'W('
  let first: string | undefined
  let n = 0
  for (const name in input) {
    const v = input[name]
    const f = meta.findField(name)
    if (f === undefined || !f.concrete || (negate && f.nullable)) return null
    if (plain(v)) {
      key += `${name},`
      first = name
      n++
      params.push(v)
      continue
    }
    if (!isPlainObject(v) || !LOOKUP_KINDS.has(f.kind)) return null
    key += `${name}:`
    for (const lk in v) {
      const x = v[lk]
      if (!FAST_LOOKUPS.has(lk) || !plain(x)) return null
      key += `${lk};`
      params.push(x)
    }
    key += ','
    n += 2 // not the one-entry key below
  }
  // One entry (`get({ id })`): the same key string every time, already hashed, instead of a new one per call.
  if (n === 1 && !negate) return oneEntryKey(first!)
  return `${key})`
}

/** `W(name,)` by field name. */
const ONE_KEY = new Map<string, string>()

/** The key fastFilterKey gives a filter of one equality, `W(name,)`: one string per name, made once. */
export function oneEntryKey(name: string): string {
  let k = ONE_KEY.get(name)
  if (k === undefined) {
    if (ONE_KEY.size >= 10_000) ONE_KEY.clear()
    ONE_KEY.set(name, (k = `W(${name},)`))
  }
  return k
}

/**
 * `get({ id })`'s filter, read without building anything: the name of its one entry when that entry compares an own
 * column with a plain value (its key is `oneEntryKey(name)`, its parameter the value), else undefined and
 * fastFilterKey decides. Allocates nothing: W4 runs 10,000 gets, and the key string and parameter array
 * fastFilterKey grows were a tenth of what a get allocated on SQLite.
 */
export function oneEqualityName(meta: ModelMeta, input: unknown): string | undefined {
  if (!isPlainObject(input)) return undefined
  let name: string | undefined
  for (const k in input) {
    if (name !== undefined) return undefined
    name = k
  }
  if (name === undefined || !plain(input[name])) return undefined
  const f = meta.findField(name)
  return f?.concrete ? name : undefined
}

/**
 * The part of the fast key that does not depend on the filters: model, columns, ordering. A QuerySet that is
 * reused (a manager) computes it once. Null when the state is not simple enough.
 */
export function fastPrefix(state: QueryState, noOrder: boolean): string | null {
  if (state.forUpdate || state.groupByValues) return null
  for (const _ in state.annotations) return null
  let key = `F|${state.model.name}|${state.valuesMode}:${state.values?.join(',') ?? ''}|${state.only?.join(',') ?? '*'}|${state.defer.join(',')}|${state.selectRelated.join(',')}|`
  if (state.keyset) {
    // A keyset page (`paginate()`): which bounds it has and which of their values are NULL decide the condition's
    // form; its ordering is the page's own (plain strings unless NULLS FIRST/LAST, which take the full build).
    if (noOrder || state.order === null) return null
    const after = keysetPart(state.keyset.after)
    const before = keysetPart(state.keyset.before)
    if (after === null || before === null) return null
    key += `K${after}/${before}|`
  }
  if (noOrder) return `${key}n|`
  if (state.order === null) return `${key}d|`
  for (const t of state.order) {
    if (typeof t !== 'string') return null
    key += `${t},`
  }
  return `${key}|`
}

/** One keyset bound in the fast key: `-` when absent, else a letter per value (`v` a plain value, `n` NULL). */
function keysetPart(values: readonly unknown[] | undefined): string | null {
  if (values === undefined) return '-'
  let part = ''
  for (const v of values) {
    if (v === null || v === undefined) part += 'n'
    else if (plain(v)) part += 'v'
    else return null
  }
  return part
}

/** A keyset bound's parameters, in the order the full build pushes them (`keysetCondition`: each value not NULL). */
function pushKeyset(values: readonly unknown[] | undefined, params: unknown[]): void {
  if (values === undefined) return
  for (const v of values) if (v !== null && v !== undefined) params.push(v)
}

/**
 * The shape key and parameters of a simple SELECT read straight off its description, without building the AST:
 * filters on the model's own columns with plain values (equality, or the lookups of FAST_LOOKUPS), string orderings,
 * keyset bounds of plain values, no annotations. This is the path of `get({ id })`, most list pages and `paginate()`'s
 * pages; anything else returns null and takes the full build.
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
  // The filters' parameters come first, then the keyset bounds' (the full build ANDs the bounds after the filters).
  if (state.keyset) {
    pushKeyset(state.keyset.after, params)
    pushKeyset(state.keyset.before, params)
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

/**
 * Whether `get(filter)` on this description can match one row at most, so it reads one row with no `LIMIT 21`: no
 * other filter, and a result with a row per matching row of the model (no annotations, `values()` of the model's own
 * fields: a path such as `tags.name` gives a row per tag), and the filter is one entry on a unique field (the primary
 * key, `unique: true`, a one-to-one) compared by equality with a plain value (`oneEqualityName`: not null, since
 * `IS NULL` can match many rows, nor a lookup object). Both `get()` paths (the cached shape and the full build) decide by this, and for a
 * filter the fast key accepted it depends on the shape alone.
 */
export function getReadsOneRow(state: QueryState, filter: unknown): boolean {
  if (state.where.length !== 0) return false
  for (const _ in state.annotations) return false
  if (state.values?.some((v) => v.includes('.'))) return false
  const name = oneEqualityName(state.model, filter)
  return name !== undefined && state.model.findField(name)!.unique === true
}

/** The rows `get()` asks for when more than one can match: Django's MAX_GET_RESULTS, enough to say "more than 20". */
export const GET_LIMIT = 21
