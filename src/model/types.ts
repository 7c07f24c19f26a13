/**
 * Types derived from a schema: instance shapes, create inputs, filters, paths.
 *
 * `M` is always the record of models given to `defineSchema`, `N` a model name in it and `L` the relations
 * loaded by `selectRelated` / `prefetchRelated` (a nested record: `{ author: { profile: {} } }`).
 * Kept shallow on purpose (STYLE.md: a type-check time budget); paths go two relations deep.
 */
import type { Field } from './fields/field.ts'
import type { RelationField } from './fields/relation-field.ts'
import type { Models } from './schema.ts'

type AnyRel = RelationField<string, boolean, 'foreignKey' | 'oneToOne' | 'manyToMany', string>

export type DeclaredFields<M extends Models, N extends keyof M> = M[N]['fields']

/** The implicit primary key, present unless a field says `primaryKey: true`. */
type ImplicitPk<F> = true extends {
  [K in keyof F]: F[K] extends Field<any, boolean, boolean, true> ? true : false
}[keyof F]
  ? {}
  : { id: Field<number, false, true, true> }

export type FieldsOf<M extends Models, N extends keyof M> = ImplicitPk<DeclaredFields<M, N>> & DeclaredFields<M, N>

type ValueOfField<F> = F extends Field<infer T, infer Nl, boolean> ? (Nl extends true ? T | null : T) : never

export type ScalarKeys<F> = { [K in keyof F]: F[K] extends AnyRel ? never : K }[keyof F] & string
export type ForwardKeys<F> = {
  [K in keyof F]: F[K] extends RelationField<string, boolean, 'foreignKey' | 'oneToOne', string> ? K : never
}[keyof F] &
  string
export type ManyKeys<F> = {
  [K in keyof F]: F[K] extends RelationField<string, boolean, 'manyToMany', string> ? K : never
}[keyof F] &
  string

type TargetOf<F> = F extends RelationField<infer T, boolean, any, string> ? T : never
type NullOf<F> = F extends Field<unknown, infer Nl, boolean> ? Nl : false

/** Name of the primary key field of model `N`. */
export type PkName<M extends Models, N extends keyof M> = {
  [K in keyof FieldsOf<M, N>]: FieldsOf<M, N>[K] extends Field<any, boolean, boolean, true> ? K : never
}[keyof FieldsOf<M, N>] &
  string
/** Type of the primary key of model `N` (`number` for the implicit `id`). */
export type PkOf<M extends Models, N extends keyof M> =
  FieldsOf<M, N> extends infer F
    ? PkName<M, N> extends infer P extends keyof F
      ? F[P] extends AnyRel
        ? number
        : ValueOfField<F[P]> & {}
      : number
    : number

// ---- reverse relations ---------------------------------------------------------------------------------------

type Lc<S extends string> = Uncapitalize<S>
type DefaultRelName<X extends string, K> = K extends 'oneToOne' ? Lc<X> : `${Lc<X>}Set`

/** Every relation field in the schema that targets `N`, as [reverse name, source model, kind]. */
type IncomingRelations<M extends Models, N extends string> = {
  [X in keyof M & string]: {
    [K in keyof DeclaredFields<M, X>]: DeclaredFields<M, X>[K] extends RelationField<N, boolean, infer Kind, infer RN>
      ? RN extends '+'
        ? never
        : [RN extends '<default>' ? DefaultRelName<X, Kind> : RN, X, Kind]
      : never
  }[keyof DeclaredFields<M, X>]
}[keyof M & string]

/** Reverse accessors of `N`: `{ posts: ['Post', 'foreignKey'] }`. */
export type ReverseOf<M extends Models, N extends string> = {
  [T in IncomingRelations<M, N> as T[0]]: { model: T[1]; kind: T[2] }
}

// ---- instances -----------------------------------------------------------------------------------------------

export interface InstanceMethods<M extends Models, N extends keyof M & string> {
  /** Insert (no primary key yet) or update; `updateFields` limits the UPDATE to those columns. */
  save(options?: { updateFields?: readonly (keyof FieldsOf<M, N> & string)[]; forceInsert?: boolean }): Promise<void>
  /** Delete this row (the database cascades); returns rows deleted. */
  delete(): Promise<number>
  /** Reload the fields from the database (all, or those named). */
  refreshFromDb(options?: { fields?: readonly (keyof FieldsOf<M, N> & string)[] }): Promise<void>
  /** Plain object of the loaded field values (foreign keys as `authorId`), loaded relations nested. */
  toJSON(): Record<string, unknown>
  /** The primary key value. */
  readonly pk: PkOf<M, N>
}

/** An unloaded forward relation: awaitable; its primary key is known without a query. */
export interface RelRef<T, Pk> extends PromiseLike<T> {
  readonly id: Pk
  readonly pk: Pk
}

/**
 * Loaded-relations record: `{ author: {} }` after `selectRelated('author')`. Keys starting with `$` are not
 * relations (model fields cannot start with `$`): `$o` / `$d` hold the `only()` / `defer()` paths (root level only),
 * `$x` the attributes added by `Prefetch(…, { to })`.
 */
export type Loaded = { [key: string]: any }

/** Type-only brand on instances: lets `prefetchRelatedObjects` and `Prefetch` recover the model and `L`. */
declare const INSTANCE_TYPES: unique symbol
export interface InstanceBrand<M extends Models, N extends keyof M & string, L> {
  readonly [INSTANCE_TYPES]?: { readonly m: M; readonly n: N; readonly l: L }
}
/** `[M, N, L]` of an instance type, or never. */
export type InstanceTypesOf<I> = I extends { readonly [INSTANCE_TYPES]?: { m: infer M; n: infer N; l: infer L } }
  ? [M, N, L]
  : never

type IsLoaded<S> = S extends object ? true : false

type ForwardValue<M extends Models, F, S> =
  TargetOf<F> extends infer T extends keyof M & string
    ? IsLoaded<S> extends true
      ? Instance<M, T, S> | (NullOf<F> extends true ? null : never)
      : RelRef<Instance<M, T>, PkOf<M, T>> | (NullOf<F> extends true ? null : never)
    : never

/** Related manager for a to-many relation that was not prefetched. */
export interface ToManyHandle<M extends Models, T extends keyof M & string> {
  readonly $relatedModel: T
  readonly $models: M
}

type ToManyValue<M extends Models, T extends keyof M & string, S> =
  IsLoaded<S> extends true ? Instance<M, T, S>[] : RelatedManagerOf<M, T>

/** Filled in by the query layer (a QuerySet subclass); declared here to keep the model layer free of it. */
// biome-ignore-start lint/correctness/noUnusedVariables: T is used by the augmentation in query/related-manager.ts
// biome-ignore lint/suspicious/noEmptyInterface: filled in by that augmentation
export interface RelatedManagerRegistry<M extends Models, T extends keyof M & string> {}
// biome-ignore-end lint/correctness/noUnusedVariables: see above
export type RelatedManagerOf<M extends Models, T extends keyof M & string> =
  RelatedManagerRegistry<M, T> extends {
    manager: infer R
  }
    ? R
    : ToManyHandle<M, T>

/** `'author.name' | 'title'` below `'author'` → `'name'`. */
type Tail<P, K extends string> = P extends `${K}.${infer R}` ? R : never
/** The level of `L` for relation `K`, carrying the `only()` / `defer()` paths below it. */
type Sub<L, K extends string> = K extends keyof L
  ? L[K] &
      ('$o' extends keyof L ? { $o: Tail<L['$o'], K> } : {}) &
      ('$d' extends keyof L ? { $d: Tail<L['$d'], K> } : {})
  : undefined

/** Every field of model `N` with relations `L` loaded, before `only()` / `defer()` narrowing. */
type FullInstance<M extends Models, N extends keyof M & string, L> = {
  [K in ScalarKeys<FieldsOf<M, N>>]: ValueOfField<FieldsOf<M, N>[K]>
} & {
  [K in ForwardKeys<FieldsOf<M, N>> as `${K}Id`]:
    | PkOf<M, TargetOf<FieldsOf<M, N>[K]> & keyof M>
    | (NullOf<FieldsOf<M, N>[K]> extends true ? null : never)
} & {
  readonly [K in ForwardKeys<FieldsOf<M, N>>]: ForwardValue<M, FieldsOf<M, N>[K], Sub<L, K>>
} & {
  readonly [K in ManyKeys<FieldsOf<M, N>>]: ToManyValue<M, TargetOf<FieldsOf<M, N>[K]> & keyof M & string, Sub<L, K>>
} & {
  readonly [K in keyof ReverseOf<M, N>]: ReverseOf<M, N>[K] extends {
    model: infer X extends keyof M & string
    kind: infer Kind
  }
    ? Kind extends 'oneToOne'
      ? IsLoaded<Sub<L, K & string>> extends true
        ? Instance<M, X, Sub<L, K & string>> | null
        : PromiseLike<Instance<M, X> | null>
      : ToManyValue<M, X, Sub<L, K & string>>
    : never
} & InstanceMethods<M, N> &
  InstanceBrand<M, N, L>

/** Own (undotted) names among `only()` / `defer()` paths. */
type Own<P> = P extends `${string}.${string}` ? never : P
/** Fields left out by `only()` / `defer()` (mirrors select-builder: the pk always loads, a followed FK too). */
type Hidden<M extends Models, N extends keyof M & string, L> =
  | {
      [K in ScalarKeys<FieldsOf<M, N>>]: K extends PkName<M, N>
        ? never
        : K extends Own<L['$d' & keyof L]>
          ? K
          : '$o' extends keyof L
            ? K extends Own<L['$o']>
              ? never
              : K
            : never
    }[ScalarKeys<FieldsOf<M, N>>]
  | {
      [K in ForwardKeys<FieldsOf<M, N>>]: K | `${K}Id` extends infer Both extends string
        ? Extract<Both, Own<L['$d' & keyof L]>> extends never
          ? '$o' extends keyof L
            ? K extends keyof L
              ? never
              : Extract<Both, Own<L['$o']>> extends never
                ? Both
                : never
            : never
          : Both
        : never
    }[ForwardKeys<FieldsOf<M, N>>]

/**
 * The instance type of model `N` with relations `L` loaded (and, when `L` says so, only some fields loaded).
 *
 * @example
 * type P = Instance<Models, 'Post', { author: {} }>   // p.author.name compiles
 */
export type Instance<M extends Models, N extends keyof M & string, L = {}> = 0 extends 1 & L
  ? FullInstance<M, N, L>
  : ('$o' | '$d' | '$x') & keyof L extends never
    ? FullInstance<M, N, L>
    : Omit<FullInstance<M, N, L>, Hidden<M, N, L>> & ('$x' extends keyof L ? L['$x'] : {})

// ---- create input --------------------------------------------------------------------------------------------

/** `true` or `boolean` (options unknown, e.g. `f.json<T>()`): may be omitted on create. */
type OptionalOf<F> = F extends Field<unknown, boolean, infer O> ? (true extends O ? true : false) : false
type ScalarInput<F> = F extends Field<infer T, infer Nl, boolean> ? (Nl extends true ? T | null : T) : never

type FkInput<M extends Models, F, K extends string> =
  TargetOf<F> extends infer T extends keyof M & string
    ? OptionalOf<F> extends true
      ? { [P in K]?: Instance<M, T, any> | PkOf<M, T> | null } & { [P in `${K}Id`]?: PkOf<M, T> | null }
      : { [P in K]: Instance<M, T, any> | PkOf<M, T> } | { [P in `${K}Id`]: PkOf<M, T> }
    : never

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never

/** What `create()` and `build()` accept for model `N`. */
export type CreateInput<M extends Models, N extends keyof M & string> = {
  [K in ScalarKeys<FieldsOf<M, N>> as OptionalOf<FieldsOf<M, N>[K]> extends true ? never : K]: ScalarInput<
    FieldsOf<M, N>[K]
  >
} & {
  [K in ScalarKeys<FieldsOf<M, N>> as OptionalOf<FieldsOf<M, N>[K]> extends true ? K : never]?: ScalarInput<
    FieldsOf<M, N>[K]
  >
} & FkInputs<M, N>

/** Each foreign key as `author` or `authorId`; boxed so the per-key unions survive the intersection. */
type FkInputs<M extends Models, N extends keyof M & string> = [ForwardKeys<FieldsOf<M, N>>] extends [never]
  ? {}
  : UnionToIntersection<
        { [K in ForwardKeys<FieldsOf<M, N>>]: { box: FkInput<M, FieldsOf<M, N>[K], K> } }[ForwardKeys<FieldsOf<M, N>>]
      > extends { box: infer I }
    ? I
    : {}

/** Fields assignable by `update()`: scalar values or `F` expressions, foreign keys by id or instance. */
export type UpdateInput<M extends Models, N extends keyof M & string> = {
  [K in ScalarKeys<FieldsOf<M, N>>]?: ScalarInput<FieldsOf<M, N>[K]> | ExpressionLike
} & {
  [K in ForwardKeys<FieldsOf<M, N>>]?:
    | PkOf<M, TargetOf<FieldsOf<M, N>[K]> & keyof M>
    | Instance<M, TargetOf<FieldsOf<M, N>[K]> & keyof M & string, any>
    | null
} & {
  [K in ForwardKeys<FieldsOf<M, N>> as `${K}Id`]?:
    | PkOf<M, TargetOf<FieldsOf<M, N>[K]> & keyof M>
    | null
    | ExpressionLike
}

// ---- filters -------------------------------------------------------------------------------------------------

/** Anything that compiles to a SQL expression (`F('views').add(1)`, aggregates). */
export interface ExpressionLike {
  readonly $expression: true
}

/**
 * A QuerySet as the value of an `in` lookup, its rows `R`: `valuesList('id', { flat: true })` gives ids, a QuerySet
 * of instances its primary keys. Structural, so this layer needs no import of the query layer.
 */
export interface SubqueryOf<R> extends PromiseLike<R[]> {
  readonly state: object
}

/** `Nl`: the field is nullable, so `iexact: null` (IS NULL, as in Django) is allowed. */
export type StringLookups<Nl extends boolean = false> = {
  iexact?: string | (Nl extends true ? null : never)
  contains?: string
  icontains?: string
  startswith?: string
  istartswith?: string
  endswith?: string
  iendswith?: string
  regex?: string
  iregex?: string
}
/** Lookups on a value of type `T`; `in` also takes a QuerySet of `T` (or of the rows `R`, for relations). */
export type Lookups<T, Nl extends boolean = false, R = T> = {
  exact?: T | null | ExpressionLike
  in?: readonly T[] | SubqueryOf<T> | SubqueryOf<R>
  gt?: T | ExpressionLike
  gte?: T | ExpressionLike
  lt?: T | ExpressionLike
  lte?: T | ExpressionLike
  range?: readonly [T, T]
  isnull?: boolean
} & (T extends string ? StringLookups<Nl> : {})

type ScalarFilter<T> =
  | T
  | Lookups<NonNullable<T>, null extends T ? true : false>
  | ExpressionLike
  | (null extends T ? null : never)

type Depth = [never, 0, 1, 2]

/** A filter object for model `N`: `{ title: { icontains: 'orm' }, author: { name: 'Bharat' } }`. */
export type Filter<M extends Models, N extends keyof M & string, D extends number = 2> = [D] extends [never]
  ? Record<string, unknown>
  : {
      [K in ScalarKeys<FieldsOf<M, N>>]?: ScalarFilter<ValueOfField<FieldsOf<M, N>[K]>>
    } & {
      [K in ForwardKeys<FieldsOf<M, N>>]?: TargetOf<FieldsOf<M, N>[K]> extends infer T extends keyof M & string
        ?
            | PkOf<M, T>
            | Instance<M, T, any>
            | Lookups<PkOf<M, T>, false, Instance<M, T, any>>
            | Filter<M, T, Depth[D]>
            | null
        : never
    } & {
      [K in ForwardKeys<FieldsOf<M, N>> as `${K}Id`]?: ScalarFilter<
        PkOf<M, TargetOf<FieldsOf<M, N>[K]> & keyof M> | (NullOf<FieldsOf<M, N>[K]> extends true ? null : never)
      >
    } & {
      [K in ManyKeys<FieldsOf<M, N>>]?: TargetOf<FieldsOf<M, N>[K]> extends infer T extends keyof M & string
        ?
            | PkOf<M, T>
            | Instance<M, T, any>
            | Lookups<PkOf<M, T>, false, Instance<M, T, any>>
            | Filter<M, T, Depth[D]>
            | null
        : never
    } & {
      [K in keyof ReverseOf<M, N>]?: ReverseOf<M, N>[K] extends { model: infer X extends keyof M & string }
        ?
            | PkOf<M, X>
            | Instance<M, X, any>
            | Lookups<PkOf<M, X>, false, Instance<M, X, any>>
            | Filter<M, X, Depth[D]>
            | null
        : never
    } & { pk?: ScalarFilter<PkOf<M, N>> | { in: SubqueryOf<Instance<M, N, any>> } }

// ---- paths ---------------------------------------------------------------------------------------------------

/** Relation names that may be followed with a dot (forward foreign keys and one-to-ones). */
type ForwardPaths<M extends Models, N extends keyof M & string, D extends number> = [D] extends [never]
  ? never
  : {
      [K in ForwardKeys<FieldsOf<M, N>>]:
        | K
        | `${K}.${ForwardPaths<M, TargetOf<FieldsOf<M, N>[K]> & keyof M & string, Depth[D]>}`
    }[ForwardKeys<FieldsOf<M, N>>]

/** Dot paths to forward relations, for `selectRelated`: `'author'`, `'author.profile'`. */
export type SelectRelatedPath<M extends Models, N extends keyof M & string> = ForwardPaths<M, N, 2>

/** Field names of `N` and one relation deep: `'title'`, `'authorId'`, `'author.name'`. */
export type FieldPath<M extends Models, N extends keyof M & string> =
  | (keyof FieldsOf<M, N> & string)
  | `${ForwardKeys<FieldsOf<M, N>>}Id`
  | 'pk'
  | {
      [K in ForwardKeys<
        FieldsOf<M, N>
      >]: `${K}.${(keyof FieldsOf<M, TargetOf<FieldsOf<M, N>[K]> & keyof M> & string) | 'pk'}`
    }[ForwardKeys<FieldsOf<M, N>>]

/** Value type at a field path (for `values()`): foreign keys give their id. */
export type PathValue<
  M extends Models,
  N extends keyof M & string,
  P extends string,
> = P extends `${infer R}.${infer Rest}`
  ? R extends ForwardKeys<FieldsOf<M, N>>
    ?
        | PathValue<M, TargetOf<FieldsOf<M, N>[R]> & keyof M & string, Rest>
        | (NullOf<FieldsOf<M, N>[R]> extends true ? null : never)
    : unknown
  : P extends 'pk'
    ? PkOf<M, N>
    : P extends ForwardKeys<FieldsOf<M, N>>
      ? PkOf<M, TargetOf<FieldsOf<M, N>[P]> & keyof M> | (NullOf<FieldsOf<M, N>[P]> extends true ? null : never)
      : P extends `${infer K}Id`
        ? K extends ForwardKeys<FieldsOf<M, N>>
          ? PkOf<M, TargetOf<FieldsOf<M, N>[K]> & keyof M> | (NullOf<FieldsOf<M, N>[K]> extends true ? null : never)
          : P extends keyof FieldsOf<M, N>
            ? ValueOfField<FieldsOf<M, N>[P]>
            : unknown
        : P extends keyof FieldsOf<M, N>
          ? ValueOfField<FieldsOf<M, N>[P]>
          : unknown

/** `'-createdAt'`, `'author.name'`… */
export type OrderPath<M extends Models, N extends keyof M & string> = FieldPath<M, N> | `-${FieldPath<M, N>}` | '?'

/** Turns `'author.profile'` into `{ author: { profile: {} } }` and merges it into `L` (with `Leaf` at the end). */
export type AddPath<L, P extends string, Leaf = {}> = P extends `${infer H}.${infer Rest}`
  ? Omit<L, H> & { [K in H]: AddPath<H extends keyof L ? L[H] : {}, Rest, Leaf> }
  : Omit<L, P> & { [K in P]: P extends keyof L ? L[P] & Leaf : Leaf }

// ---- relation paths (prefetchRelated) ------------------------------------------------------------------------

/** Names of every relation of `N`: forward keys, many-to-many fields and reverse accessors. */
export type RelationKeys<M extends Models, N extends keyof M & string> =
  | ForwardKeys<FieldsOf<M, N>>
  | ManyKeys<FieldsOf<M, N>>
  | (keyof ReverseOf<M, N> & string)

/** The model a relation of `N` leads to. */
export type RelationTarget<M extends Models, N extends keyof M & string, K> = K extends keyof DeclaredFields<M, N>
  ? TargetOf<DeclaredFields<M, N>[K]> & keyof M & string
  : ReverseOf<M, N> extends { [P in K & string]: { model: infer X } }
    ? X & keyof M & string
    : never

/** Whether relation `K` of `N` holds one object (forward key, one-to-one either way) rather than an array. */
export type IsSingleRelation<M extends Models, N extends keyof M & string, K> =
  K extends ForwardKeys<FieldsOf<M, N>>
    ? true
    : ReverseOf<M, N> extends { [P in K & string]: { kind: 'oneToOne' } }
      ? true
      : false

type RelationPaths<M extends Models, N extends keyof M & string, D extends number> = [D] extends [never]
  ? never
  : {
      [K in RelationKeys<M, N>]: K | `${K}.${RelationPaths<M, RelationTarget<M, N, K>, Depth[D]>}`
    }[RelationKeys<M, N>]

/** Dot paths through any relations, three deep, for `prefetchRelated`: `'posts'`, `'posts.tags'`. */
export type PrefetchPath<M extends Models, N extends keyof M & string> = RelationPaths<M, N, 2>

/** The model at the end of a relation path. */
export type ModelAtPath<
  M extends Models,
  N extends keyof M & string,
  P extends string,
> = P extends `${infer H}.${infer R}` ? ModelAtPath<M, RelationTarget<M, N, H>, R> : RelationTarget<M, N, P>
