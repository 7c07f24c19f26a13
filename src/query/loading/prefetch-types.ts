import { InvalidValueError } from '../../errors.ts'
import type { Models } from '../../model/schema.ts'
import type {
  AddPath,
  InstanceTypesOf,
  IsSingleRelation,
  ModelAtPath,
  PrefetchPath,
  RelationTarget,
} from '../../model/types.ts'
import type { PrefetchSpec, QueryState } from '../../sql/query-state.ts'

/**
 * One `prefetchRelated` lookup with its own QuerySet and/or target attribute; made by `Prefetch()`.
 * `R` is the row type of the QuerySet, `To` the attribute name (undefined: the relation itself).
 */
export class PrefetchLookup<
  P extends string = string,
  R = unknown,
  To extends string | undefined = string | undefined,
> {
  declare readonly $row: R
  readonly path: P
  readonly query: QueryState | undefined
  readonly to: To
  constructor(path: P, query: QueryState | undefined, to: To) {
    this.path = path
    this.query = query
    this.to = to
  }
}

/** What `prefetchRelated` accepts for model `N`. */
export type PrefetchArg<M extends Models, N extends keyof M & string> =
  | PrefetchPath<M, N>
  | PrefetchLookup<PrefetchPath<M, N>, any, string | undefined>

type LoadedOf<R> = InstanceTypesOf<R> extends [any, any, infer L] ? L : {}
type Parent<P extends string> = P extends `${infer H}.${infer R}`
  ? R extends `${string}.${string}`
    ? `${H}.${Parent<R>}`
    : H
  : never
type LastOf<P extends string> = P extends `${string}.${infer R}` ? LastOf<R> : P

/** `{ $x: { publishedPosts: Post[] } }`: the attribute a `Prefetch(…, { to })` adds. */
type ToAttr<M extends Models, X extends keyof M & string, K extends string, R, To extends string> = {
  $x: { readonly [A in To]: IsSingleRelation<M, X, K> extends true ? R | null : R[] }
}

type AddLookup<M extends Models, N extends keyof M & string, L, P> = P extends string
  ? AddPath<L, P>
  : P extends PrefetchLookup<infer Q extends string, infer R, infer To>
    ? [To] extends [string]
      ? Q extends `${string}.${string}`
        ? AddPath<L, Parent<Q>, ToAttr<M, ModelAtPath<M, N, Parent<Q>>, LastOf<Q>, R, To>>
        : L & ToAttr<M, N, Q, R, To>
      : AddPath<L, Q, LoadedOf<R>>
    : L

/** `L` with every lookup of the union `P` added. */
export type AddLookups<M extends Models, N extends keyof M & string, L, P> = [P] extends [never]
  ? L
  : (P extends unknown ? (x: AddLookup<M, N, L, P>) => void : never) extends (x: infer I) => void
    ? I
    : L

/** `L` with `only()` (`$o`) or `defer()` (`$d`) paths added. */
export type AddFields<L, K extends '$o' | '$d', P extends string> = [P] extends [never]
  ? L
  : Omit<L, K> & { [X in K]: (K extends keyof L ? L[K] : never) | P }

/** Strings and `Prefetch` objects → the specs kept in the query state. */
export function toPrefetchSpecs(lookups: readonly unknown[]): PrefetchSpec[] {
  return lookups.map((l) => {
    if (typeof l === 'string' && l !== '') return { path: l }
    if (l instanceof PrefetchLookup) return { path: l.path, query: l.query, to: l.to }
    throw new InvalidValueError(`prefetchRelated() takes relation paths ('posts.tags') or Prefetch(…) objects.`)
  })
}

export type { RelationTarget }
