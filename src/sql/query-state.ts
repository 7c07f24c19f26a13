import type { StackHolder } from '../diagnostics/call-site.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import type { Expression, OrderBy, QNode } from './expressions.ts'

export type FilterInput = Record<string, unknown> | QNode

export interface WhereItem {
  readonly input: FilterInput
  readonly negate: boolean
}

export interface PrefetchSpec {
  readonly path: string
  /** QuerySet state for the related rows (`Prefetch(path, qs)`). */
  readonly query?: QueryState | undefined
  readonly to?: string | undefined
}

/**
 * Keyset pagination bounds: rows strictly after `after` and/or strictly before `before` in the ordering, each the
 * values of the ordering's terms for one row (the primary key last). Set by `paginate()`.
 */
export interface KeysetSpec {
  readonly after?: readonly unknown[] | undefined
  readonly before?: readonly unknown[] | undefined
}

/**
 * Everything a QuerySet describes, immutable. QuerySet methods return a copy with one part changed.
 */
export interface QueryState {
  readonly model: ModelMeta
  readonly where: readonly WhereItem[]
  /** `null`: the model's default ordering. */
  readonly order: readonly (string | OrderBy)[] | null
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly distinct: boolean
  readonly selectRelated: readonly string[]
  readonly prefetch: readonly PrefetchSpec[]
  /** `only()` field paths, or null. */
  readonly only: readonly string[] | null
  readonly defer: readonly string[]
  readonly annotations: Readonly<Record<string, Expression>>
  /** `values()` / `valuesList()` field paths; null for instances. */
  readonly values: readonly string[] | null
  readonly valuesMode: 'instances' | 'objects' | 'tuples' | 'flat'
  /** Annotations added after `values()` group by the values. */
  readonly groupByValues: boolean
  readonly fetchMode: 'one' | 'peers' | 'raise' | undefined
  readonly using: string | undefined
  readonly forUpdate: { noWait?: boolean; skipLocked?: boolean; of?: readonly string[] } | undefined
  /** Rows of a related manager are added to a relation cache: set by the loading layer. */
  readonly extra: Readonly<Record<string, unknown>>
  /** Keyset bounds (`paginate()`), ANDed with the filters. */
  readonly keyset?: KeysetSpec | undefined
  /** Where user code built this query (captured only while query events have listeners). */
  readonly site: StackHolder | undefined
  /** `.cache({ ttl })`: the query cache may answer this query (and its prefetches). */
  readonly cache?: { readonly ttl?: number | null | undefined } | undefined
}

export function emptyState(model: ModelMeta): QueryState {
  return {
    model,
    where: [],
    order: null,
    limit: undefined,
    offset: undefined,
    distinct: false,
    selectRelated: [],
    prefetch: [],
    only: null,
    defer: [],
    annotations: {},
    values: null,
    valuesMode: 'instances',
    groupByValues: false,
    fetchMode: undefined,
    using: undefined,
    forUpdate: undefined,
    extra: {},
    site: undefined,
  }
}
