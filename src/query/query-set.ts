import type { Backend, QueryOptions } from '../backends/backend.ts'
import type { RunInfo, ShapeEntry } from '../db/executor.ts'
import { DoesNotExist, InvalidValueError, MultipleObjectsReturned } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import {
  compileInstanceMapper,
  compileValuesMapper,
  type InstanceMapper,
  type ValuesMapper,
} from '../model/row-mapper.ts'
import type { Models } from '../model/schema.ts'
import type {
  AddPath,
  FieldPath,
  FieldsOf,
  Filter,
  Instance,
  OrderPath,
  PathValue,
  PkOf,
  SelectRelatedPath,
  UpdateInput,
} from '../model/types.ts'
import { captureStack } from '../profiler/call-site.ts'
import { queryChannel } from '../profiler/events.ts'
import { Aggregate, type Expression, type FieldRef, OrderBy, type QNode } from '../sql/expressions.ts'
import type { PrefetchSpec, QueryState } from '../sql/query-state.ts'
import { fastFilterKey, fastPrefix, fastSelectShape } from '../sql/resolve/fast-shape.ts'
import { buildAggregate, buildCount, buildExists, buildSelect, type RowLayout } from '../sql/resolve/select-builder.ts'
import { buildDelete, buildUpdate } from '../sql/resolve/write-builder.ts'
import type { DbCore, FetchMode } from './db-core.ts'
import { type AddFields, type AddLookups, type PrefetchArg, toPrefetchSpecs } from './loading/prefetch-types.ts'
import { NO_SITE } from './loading/scope.ts'

/** Filter object for model N, also accepting annotation names. */
export type FilterArg<M extends Models, N extends keyof M & string, A> =
  | (Filter<M, N> & { [K in keyof A]?: A[K] | Record<string, unknown> })
  | QNode

/** Result type of an annotation expression. */
export type AnnotationValue<M extends Models, N extends keyof M & string, X> =
  X extends Aggregate<infer T, infer P>
    ? T extends 'minmax'
      ? PathValue<M, N, P> | null
      : T
    : X extends FieldRef
      ? number
      : unknown

type Annotated<M extends Models, N extends keyof M & string, X> = {
  -readonly [K in keyof X]: AnnotationValue<M, N, X[K]>
}

/** The row a QuerySet yields: an instance (with loaded relations `L` and annotations `A`) or a values row `V`. */
export type RowOf<M extends Models, N extends keyof M & string, L, A, V> = [V] extends [undefined]
  ? Instance<M, N, L> & A
  : V

/** `values()` with no fields: every column, foreign keys as ids. */
export type PlainRow<M extends Models, N extends keyof M & string> = {
  [K in FieldPath<M, N> as K extends `${string}.${string}` | 'pk'
    ? never
    : K extends keyof FieldsOf<M, N>
      ? FieldsOf<M, N>[K] extends { kind: 'manyToMany' | 'foreignKey' | 'oneToOne' }
        ? never
        : K
      : K]: PathValue<M, N, K & string>
}

type Path<M extends Models, N extends keyof M & string, A> = FieldPath<M, N> | (keyof A & string)
type ValueAt<M extends Models, N extends keyof M & string, A, P> = P extends keyof A
  ? A[P]
  : PathValue<M, N, P & string>

interface CachedMapper {
  readonly map: InstanceMapper | ValuesMapper
  readonly bigints: boolean
}

/**
 * A lazy, immutable description of a query. Every method returns a new QuerySet; nothing runs until it is
 * awaited, iterated with `for await`, or a terminal method (`get`, `count`, …) is called.
 *
 * @example
 * const recent = await db.Post.filter({ published: true }).orderBy('-createdAt').limit(20)
 * // SELECT … FROM "blog_post" WHERE "blog_post"."published" = ? ORDER BY "blog_post"."created_at" DESC LIMIT ?
 */
export class QuerySet<M extends Models, N extends keyof M & string, L = {}, A = {}, V = undefined>
  implements PromiseLike<RowOf<M, N, L, A, V>[]>
{
  /** @internal */
  readonly db: DbCore
  /** Memo of `fastPrefix(state, noOrder)` for `get()`: undefined until computed, null when not simple. */
  #getPrefix: string | null | undefined = undefined
  /** The last `get()` shape found in the executor's cache (never evicted): a loop of get({ id }) looks it up once. */
  #getMemo: { readonly part: string; readonly backend: Backend; readonly entry: ShapeEntry } | undefined = undefined
  /** @internal The query description. */
  readonly state: QueryState

  constructor(db: DbCore, state: QueryState) {
    this.db = db
    this.state = state
  }

  /** @internal */
  protected with<L2 = L, A2 = A, V2 = V>(patch: Partial<QueryState>): QuerySet<M, N, L2, A2, V2> {
    const state = { ...this.state, ...patch }
    // `await qs` runs then() from a microtask, with the user's frame gone: remember where the query was built.
    if (queryChannel.hasSubscribers) state.site = captureStack()
    // The N+1 detector names the query to fix; one capture per chain (~3µs), at its first call.
    else if (state.site === undefined && this.db.loading.wantsSites) state.site = captureStack()
    return new QuerySet(this.db, state)
  }

  /** @internal This QuerySet, marked so that chaining from it captures no call site (single-row terminals). */
  protected quiet(): QuerySet<M, N, L, A, V> {
    return this.state.site ? this : new QuerySet(this.db, { ...this.state, site: NO_SITE })
  }

  /** @internal */
  protected info(kind: RunInfo['kind']): RunInfo {
    return { kind, model: this.state.model.name, site: this.state.site }
  }

  // ---- chainable ---------------------------------------------------------------------------------------------

  /** A copy of this QuerySet. */
  all(): QuerySet<M, N, L, A, V> {
    return this.with({})
  }
  /** Rows matching every filter (AND). Lookups: `{ views: { gte: 10 } }`; relations: `{ author: { name: 'x' } }`. */
  filter(...filters: FilterArg<M, N, A>[]): QuerySet<M, N, L, A, V> {
    return this.with({ where: [...this.state.where, ...filters.map((f) => ({ input: f as never, negate: false }))] })
  }
  /** Rows matching none of the filters. */
  exclude(...filters: FilterArg<M, N, A>[]): QuerySet<M, N, L, A, V> {
    return this.with({ where: [...this.state.where, ...filters.map((f) => ({ input: f as never, negate: true }))] })
  }
  /** `orderBy('-createdAt', 'id')`, `orderBy('author.name')`, `orderBy(F('email').asc({ nullsLast: true }))`. */
  orderBy(
    ...terms: (OrderPath<M, N> | (keyof A & string) | `-${keyof A & string}` | OrderBy)[]
  ): QuerySet<M, N, L, A, V> {
    return this.with({ order: terms as (string | OrderBy)[] })
  }
  /** Reverse the ordering (the explicit one, or the model's default). */
  reverse(): QuerySet<M, N, L, A, V> {
    const order = this.state.order ?? this.state.model.ordering
    const flip = (t: string | OrderBy): string | OrderBy =>
      typeof t === 'string'
        ? t.startsWith('-')
          ? t.slice(1)
          : `-${t}`
        : new OrderBy(
            t.expr,
            !t.descending,
            t.nulls === 'first' ? { nullsLast: true } : t.nulls === 'last' ? { nullsFirst: true } : {},
          )
    return this.with({ order: (order.length ? order : ['pk']).map(flip) })
  }
  /** `SELECT DISTINCT`. */
  distinct(): QuerySet<M, N, L, A, V> {
    return this.with({ distinct: true })
  }
  limit(n: number): QuerySet<M, N, L, A, V> {
    checkCount(n, 'limit')
    return this.with({ limit: n })
  }
  offset(n: number): QuerySet<M, N, L, A, V> {
    checkCount(n, 'offset')
    return this.with({
      offset: (this.state.offset ?? 0) + n,
      limit: this.state.limit === undefined ? undefined : Math.max(0, this.state.limit - n),
    })
  }
  /** Rows `start` (inclusive) to `end` (exclusive), like Python's `qs[start:end]`. */
  slice(start: number, end?: number): QuerySet<M, N, L, A, V> {
    checkCount(start, 'slice start')
    if (end !== undefined) checkCount(end, 'slice end')
    const offset = (this.state.offset ?? 0) + start
    let limit = end === undefined ? undefined : Math.max(0, end - start)
    if (this.state.limit !== undefined)
      limit = Math.min(limit ?? Number.POSITIVE_INFINITY, Math.max(0, this.state.limit - start))
    return this.with({ offset, limit })
  }
  /** Follow forward foreign keys and one-to-ones in the same query with JOINs. */
  selectRelated<const P extends SelectRelatedPath<M, N>>(...paths: P[]): QuerySet<M, N, AddPaths<L, P>, A, V> {
    return this.with({ selectRelated: [...this.state.selectRelated, ...paths] })
  }
  /**
   * Load related objects in one query per relation level: reverse foreign keys, many-to-many, forward keys,
   * nested with dots, or a `Prefetch` with its own QuerySet and target attribute.
   *
   * @example
   * for (const author of await Author.prefetchRelated('posts'))   // 2 queries
   *   for (const post of author.posts) console.log(post.title)
   */
  prefetchRelated<const P extends PrefetchArg<M, N>>(...lookups: P[]): QuerySet<M, N, AddLookups<M, N, L, P>, A, V> {
    return this.with({ prefetch: [...this.state.prefetch, ...toPrefetchSpecs(lookups)] })
  }
  /** Load only these fields (plus the primary key); others throw `DeferredFieldError` when read. */
  only<const P extends FieldPath<M, N>>(...fields: P[]): QuerySet<M, N, AddFields<L, '$o', P>, A, V> {
    return this.with({ only: [...(this.state.only ?? []), ...fields] })
  }
  /** Leave these fields out of the SELECT; reading one throws `DeferredFieldError`. */
  defer<const P extends FieldPath<M, N>>(...fields: P[]): QuerySet<M, N, AddFields<L, '$d', P>, A, V> {
    return this.with({ defer: [...this.state.defer, ...fields] })
  }
  /** Add computed values: `annotate({ postCount: Count('posts') })`. */
  annotate<const X extends Record<string, Expression>>(
    specs: X,
  ): QuerySet<M, N, L, A & Annotated<M, N, X>, [V] extends [undefined] ? undefined : V & Annotated<M, N, X>> {
    for (const [k, v] of Object.entries(specs))
      if (this.state.model.fieldMap.has(k) || this.state.model.reverse.has(k))
        throw new InvalidValueError(
          `The annotation '${k}' conflicts with a field on ${this.state.model.name}. Pick another name.`,
        )
      else if (!(v instanceof Object))
        throw new InvalidValueError(`annotate({ ${k} }) needs an expression such as Count('posts').`)
    return this.with({
      annotations: { ...this.state.annotations, ...specs },
      groupByValues: this.state.values !== null && Object.values(specs).some((s) => s instanceof Aggregate),
    }) as never
  }
  /** Run on the named database. */
  using(alias: string): QuerySet<M, N, L, A, V> {
    return this.with({ using: alias })
  }
  /** Lock the selected rows until the transaction ends (`SELECT … FOR UPDATE`); no effect on SQLite. */
  selectForUpdate(options: { noWait?: boolean; skipLocked?: boolean } = {}): QuerySet<M, N, L, A, V> {
    return this.with({ forUpdate: options })
  }
  /** How unloaded relations of the results load: `one` query each, all `peers` at once, or `raise`. */
  fetchMode(mode: FetchMode): QuerySet<M, N, L, A, V> {
    if (mode !== 'one' && mode !== 'peers' && mode !== 'raise')
      throw new InvalidValueError(`fetchMode takes 'one', 'peers' or 'raise'.`)
    return this.with({ fetchMode: mode })
  }
  /** @internal Used by the loading layer for `prefetchRelated`. */
  withPrefetch(specs: readonly PrefetchSpec[]): QuerySet<M, N, any, A, V> {
    return this.with({ prefetch: [...this.state.prefetch, ...specs] })
  }

  /** Plain objects with the named fields (all fields when none are named). */
  values<const K extends Path<M, N, A>[]>(
    ...fields: K
  ): QuerySet<M, N, L, A, K extends [] ? PlainRow<M, N> & A : { [P in K[number]]: ValueAt<M, N, A, P> }> {
    return this.with({ values: fields, valuesMode: 'objects' }) as never
  }
  /** Tuples of the named fields, or with `{ flat: true }` and one field, the bare values. */
  valuesList<const K extends Path<M, N, A>>(
    field: K,
    options: { flat: true },
  ): QuerySet<M, N, L, A, ValueAt<M, N, A, K>>
  valuesList<const K extends Path<M, N, A>[]>(
    ...fields: K
  ): QuerySet<M, N, L, A, { [I in keyof K]: ValueAt<M, N, A, K[I]> }>
  valuesList(...args: unknown[]): QuerySet<M, N, L, A, unknown> {
    const last = args[args.length - 1]
    const flat = typeof last === 'object' && last !== null && (last as { flat?: boolean }).flat === true
    const fields = (flat ? args.slice(0, -1) : args) as string[]
    if (flat && fields.length !== 1)
      throw new InvalidValueError('valuesList(field, { flat: true }) takes exactly one field.')
    return this.with({ values: fields, valuesMode: flat ? 'flat' : 'tuples' })
  }

  // ---- terminal ----------------------------------------------------------------------------------------------

  then<R1 = RowOf<M, N, L, A, V>[], R2 = never>(
    onfulfilled?: ((value: RowOf<M, N, L, A, V>[]) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.fetch().then(onfulfilled, onrejected)
  }

  /** Like `Promise.catch`: run the query and handle its error. */
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<RowOf<M, N, L, A, V>[] | R> {
    return this.fetch().catch(onrejected)
  }
  /** Like `Promise.finally`. */
  finally(onfinally?: (() => void) | null): Promise<RowOf<M, N, L, A, V>[]> {
    return this.fetch().finally(onfinally)
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RowOf<M, N, L, A, V>> {
    for (const row of await this.fetch()) yield row
  }

  /** @internal Run the SELECT and map the rows. */
  async fetch(
    options: { defaultLimit?: number; noOrder?: boolean; single?: boolean; prefix?: string | null } = {},
  ): Promise<RowOf<M, N, L, A, V>[]> {
    const st = this.state
    const alias = this.db.readAlias(st)
    const backend = this.db.executor.backend(alias)
    const { entry, params } = this.#selectShape(backend, options)
    const mapper = entry.mapper as CachedMapper
    const rows = await this.db.executor.rows(
      alias,
      entry.compiled,
      params,
      this.info('select'),
      mapper.bigints ? { bigints: true } : undefined,
    )
    return this.#mapRows(rows, entry, alias, options.single ?? false)
  }

  /** Rows → instances (with their host, and prefetches) or values rows. Synchronous unless prefetching. */
  #mapRows(
    rows: unknown[][],
    entry: ShapeEntry,
    alias: string,
    single: boolean,
  ): RowOf<M, N, L, A, V>[] | Promise<RowOf<M, N, L, A, V>[]> {
    const st = this.state
    const mapper = entry.mapper as CachedMapper
    const out = new Array(rows.length)
    if ((entry.layout as RowLayout).kind === 'instances') {
      const map = mapper.map as InstanceMapper
      const host = this.db.loading.hostFor(alias, st, out, single)
      for (let i = 0; i < rows.length; i++) out[i] = map(rows[i]!, host)
      const done = rows.length ? this.db.loading.afterFetch(out, st, alias, single) : undefined
      if (done) return done.then(() => out)
    } else {
      const map = mapper.map as ValuesMapper
      for (let i = 0; i < rows.length; i++) out[i] = map(rows[i]!)
    }
    return out
  }

  /**
   * The compiled SELECT (with its mapper) and parameters. Simple shapes skip building the AST on a cache hit
   * (`fastSelectShape`); the rest build it and look the compiled SQL up by the full shape key.
   */
  #selectShape(
    backend: Backend,
    options: { defaultLimit?: number | undefined; noOrder?: boolean | undefined; prefix?: string | null | undefined },
  ): { entry: ShapeEntry; params: unknown[] } {
    const executor = this.db.executor
    const fast = fastSelectShape(this.state, options, options.prefix === undefined ? undefined : options.prefix)
    if (fast) {
      const hit = executor.cached(backend, fast.key)
      if (hit && !CHECK_SHAPES) return { entry: hit, params: fast.params }
      if (hit) {
        this.#check(backend, options, fast.key, fast.params, hit)
        return { entry: hit, params: fast.params }
      }
    }
    const built = buildSelect(this.state, backend.features, options)
    const entry = executor.shape(backend, built.ctx.key, built.node)
    if (!entry.mapper) makeMapper(entry, built.layout, backend)
    if (fast) executor.remember(backend, fast.key, entry)
    return { entry, params: built.ctx.params }
  }

  /**
   * The one row matching `filter`; `DoesNotExist` or `MultipleObjectsReturned` otherwise.
   *
   * @example
   * await Post.get({ id: 5 })   // SELECT … FROM "blog_post" WHERE "blog_post"."id" = ? LIMIT ?
   */
  async get(...filters: FilterArg<M, N, A>[]): Promise<RowOf<M, N, L, A, V>> {
    // The hot path of W4 (get by primary key). No call-site capture (one row cannot be an N+1), and the
    // filter-independent part of the shape key is memoized on this (usually long-lived) QuerySet. A single
    // equality filter whose shape is cached skips deriving a QuerySet at all.
    const st = this.state
    if (this.#getPrefix === undefined) this.#getPrefix = fastPrefix(st, true)
    const fast =
      filters.length === 1 &&
      st.where.length === 0 &&
      st.limit === undefined &&
      !st.offset && // the memoized prefix does not encode these two
      !st.distinct
        ? this.#fastGet(filters[0])
        : undefined
    let rows: RowOf<M, N, L, A, V>[]
    if (fast) {
      // Awaited here, not in a helper: one promise layer less per get() (W4 runs 10,000 of them).
      const mapped = this.#mapRows(
        await this.db.executor.rows(fast.alias, fast.entry.compiled, fast.params, this.info('select'), fast.options),
        fast.entry,
        fast.alias,
        true,
      )
      rows = mapped instanceof Promise ? await mapped : mapped
    } else
      rows = await this.#derive(filters).fetch({
        defaultLimit: st.limit === undefined ? 21 : undefined,
        noOrder: true,
        single: true,
        prefix: this.#getPrefix,
      })
    if (rows.length === 1) return rows[0]!
    if (rows.length === 0) throw new DoesNotExist(this.state.model.name)
    throw new MultipleObjectsReturned(this.state.model.name, rows.length)
  }

  #derive(filters: readonly FilterArg<M, N, A>[]): QuerySet<M, N, L, A, V> {
    if (filters.length === 0) return this
    const st = this.state
    return new QuerySet<M, N, L, A, V>(this.db, {
      ...st,
      where: [...st.where, ...filters.map((f) => ({ input: f as never, negate: false }))],
      site: st.site ?? NO_SITE,
    })
  }

  /** `get(filter)`'s cached statement and parameters; undefined when the shape is not simple or not cached yet. */
  #fastGet(
    filter: FilterArg<M, N, A> | undefined,
  ): { entry: ShapeEntry; params: unknown[]; alias: string; options: QueryOptions | undefined } | undefined {
    const prefix = this.#getPrefix
    if (!prefix) return undefined
    const params: unknown[] = []
    const part = fastFilterKey(this.state.model, filter, false, params)
    if (part === null) return undefined
    const alias = this.db.readAlias(this.state)
    const backend = this.db.executor.backend(alias)
    // Comparing the short filter part beats hashing the long concatenated key on every call.
    const memo = this.#getMemo
    let entry = memo !== undefined && memo.backend === backend && memo.part === part ? memo.entry : undefined
    if (!entry) {
      entry = this.db.executor.cached(backend, `${prefix}${part}L`)
      if (!entry) return undefined
      this.#getMemo = { part, backend, entry }
    }
    params.push(21)
    if (CHECK_SHAPES)
      this.#derive([filter!]).#check(backend, { defaultLimit: 21, noOrder: true }, `${prefix}${part}L`, params, entry)
    return { entry, params, alias, options: (entry.mapper as CachedMapper).bigints ? BIGINTS : undefined }
  }

  /** Tests (QUARRY_CHECK_SHAPES=1): a fast-path hit must be what the full build would have compiled. */
  #check(
    backend: Backend,
    options: { defaultLimit?: number; noOrder?: boolean },
    key: string,
    params: unknown[],
    hit: ShapeEntry,
  ): void {
    const built = buildSelect(this.state, backend.features, options)
    if (this.db.executor.shape(backend, built.ctx.key, built.node) !== hit || !sameValues(built.ctx.params, params))
      throw new Error(`quarry fast shape ${key} disagrees with the full build ${built.ctx.key}`)
  }

  /** The first row (by the ordering, or the primary key), or null. */
  async first(): Promise<RowOf<M, N, L, A, V> | null> {
    const base = this.quiet()
    const qs = this.state.order === null && this.state.model.ordering.length === 0 ? base.with({ order: ['pk'] }) : base
    const rows = await qs.slice(0, 1).fetch({ single: true })
    return rows[0] ?? null
  }
  /** The last row (the ordering reversed), or null. */
  async last(): Promise<RowOf<M, N, L, A, V> | null> {
    const base = this.quiet()
    const qs = this.state.order === null && this.state.model.ordering.length === 0 ? base.with({ order: ['pk'] }) : base
    const rows = await (qs.reverse() as QuerySet<M, N, L, A, V>).slice(0, 1).fetch({ single: true })
    return rows[0] ?? null
  }
  /** `SELECT COUNT(*)`. */
  async count(): Promise<number> {
    const alias = this.db.readAlias(this.state)
    const backend = this.db.executor.backend(alias)
    const built = buildCount(this.state, backend.features)
    const entry = this.db.executor.shape(backend, built.ctx.key, built.node)
    const rows = await this.db.executor.rows(alias, entry.compiled, built.ctx.params, this.info('select'))
    return Number(rows[0]![0])
  }
  /** Whether any row matches (`SELECT 1 … LIMIT 1`). */
  async exists(): Promise<boolean> {
    const alias = this.db.readAlias(this.state)
    const backend = this.db.executor.backend(alias)
    const built = buildExists(this.state, backend.features)
    const entry = this.db.executor.shape(backend, built.ctx.key, built.node)
    const rows = await this.db.executor.rows(alias, entry.compiled, built.ctx.params, this.info('select'))
    return rows.length > 0
  }
  /** Aggregate over the rows: `aggregate({ total: Sum('views') })` → `{ total: number | null }`. */
  async aggregate<const X extends Record<string, Aggregate>>(specs: X): Promise<Annotated<M, N, X>> {
    const alias = this.db.readAlias(this.state)
    const backend = this.db.executor.backend(alias)
    const built = buildAggregate(this.state, backend.features, specs)
    const entry = this.db.executor.shape(backend, built.ctx.key, built.node)
    const map =
      (entry.mapper as ValuesMapper | undefined) ??
      (entry.mapper = aggregateMapper(built.names, built.fields, specs, backend))
    const rows = await this.db.executor.rows(alias, entry.compiled, built.ctx.params, this.info('select'))
    return (map as ValuesMapper)(rows[0]!) as Annotated<M, N, X>
  }
  /** Instances by primary key: `Map<pk, instance>` (ids not found are absent). */
  async inBulk(
    ids?: readonly PkOf<M, N>[],
    options: { fieldName?: FieldPath<M, N> } = {},
  ): Promise<Map<PkOf<M, N>, RowOf<M, N, L, A, V>>> {
    const meta = this.state.model
    const field = options.fieldName ? meta.field(options.fieldName) : meta.pk
    if (field !== meta.pk && !field.unique)
      throw new InvalidValueError(`inBulk(fieldName: '${field.name}') needs a unique field.`)
    const out = new Map<PkOf<M, N>, RowOf<M, N, L, A, V>>()
    if (ids !== undefined && ids.length === 0) return out
    const qs = ids === undefined ? this : this.filter({ [field.name]: { in: [...new Set(ids)] } } as never)
    for (const row of await qs.with({ order: [] }).fetch())
      out.set((row as Record<string, unknown>)[field.attname] as PkOf<M, N>, row)
    return out
  }
  /** `UPDATE` every matching row; returns rows matched. `F()` expressions update atomically. */
  async update(values: UpdateInput<M, N>): Promise<number> {
    const alias = this.db.writeAlias(this.state)
    const backend = this.db.executor.backend(alias)
    const built = buildUpdate(this.state, backend.features, values as Record<string, unknown>)
    const entry = this.db.executor.shape(backend, built.ctx.key, built.node)
    const r = await this.db.executor.write(alias, entry.compiled, built.ctx.params, this.info('update'))
    return r.rowCount
  }
  /** `DELETE` every matching row (the database applies ON DELETE); returns rows deleted. */
  async delete(): Promise<number> {
    const alias = this.db.writeAlias(this.state)
    const backend = this.db.executor.backend(alias)
    const built = buildDelete(this.state, backend.features)
    const entry = this.db.executor.shape(backend, built.ctx.key, built.node)
    const r = await this.db.executor.write(alias, entry.compiled, built.ctx.params, this.info('delete'))
    return r.rowCount
  }
  /** The database's plan for this query, as text. `analyze` runs it (where supported). */
  async explain(options: { analyze?: boolean; format?: string } = {}): Promise<string> {
    const alias = this.db.readAlias(this.state)
    const backend = this.db.executor.backend(alias)
    const built = buildSelect(this.state, backend.features)
    const compiled = backend.compiler.compile(built.node)
    const prefix = backend.ops.explainPrefix(options)
    const rows = await this.db.executor.rows(
      alias,
      { ...compiled, sql: prefix + compiled.sql },
      built.ctx.params,
      this.info('select'),
    )
    return backend.ops.formatExplain(rows)
  }
  /**
   * Stream the rows in chunks, with memory bounded by `chunkSize` (a cursor on servers, the driver's iterator on
   * SQLite). Relations are not prefetched while streaming.
   */
  async *iterator(options: { chunkSize?: number } = {}): AsyncGenerator<RowOf<M, N, L, A, V>> {
    const chunkSize = options.chunkSize ?? 2000
    checkCount(chunkSize, 'chunkSize')
    if (chunkSize === 0) throw new InvalidValueError('iterator({ chunkSize }) needs a positive chunk size.')
    const st = this.state
    const alias = this.db.readAlias(st)
    const backend = this.db.executor.backend(alias)
    const built = buildSelect(st, backend.features)
    const entry = this.db.executor.shape(backend, built.ctx.key, built.node)
    const mapper = (entry.mapper as CachedMapper | undefined) ?? makeMapper(entry, built.layout, backend)
    const info = this.info('select')
    const stream = this.db.executor.stream(
      alias,
      entry.compiled,
      built.ctx.params,
      chunkSize,
      info,
      mapper.bigints ? { bigints: true } : undefined,
    )
    const instances = built.layout.kind === 'instances'
    const mapChunk = async (rows: unknown[][]) => {
      const out = new Array(rows.length)
      if (instances) {
        const host = this.db.loading.hostFor(alias, st, out, false)
        for (let i = 0; i < rows.length; i++) out[i] = (mapper.map as InstanceMapper)(rows[i]!, host)
        if (out.length) await this.db.loading.afterFetch(out, st, alias, false)
      } else for (let i = 0; i < rows.length; i++) out[i] = (mapper.map as ValuesMapper)(rows[i]!)
      return out
    }
    if (stream) {
      for await (const rows of stream) {
        for (const row of await mapChunk(rows)) yield row
        // Each chunk's host holds its peers in a WeakRef (fetchMode('peers'), the N+1 detector), and V8 keeps a
        // WeakRef's target alive until the current job ends. SQLite's synchronous iterator never ends the job,
        // so without this every streamed row stayed in memory until the loop finished (bench/streaming: 307 MB
        // for 100,000 posts). One macrotask per chunk lets finished chunks go.
        if (instances) await new Promise<void>((resolve) => setImmediate(resolve))
      }
      return
    }
    // No cursor: page through in chunks (stable only with an ordering, so add the primary key).
    const qs: QuerySet<M, N, L, A, V> =
      this.state.order === null && st.model.ordering.length === 0 ? this.with({ order: ['pk'] }) : this
    let start = 0
    for (;;) {
      const rows = await qs.slice(start, start + chunkSize).fetch()
      for (const row of rows) yield row
      if (rows.length < chunkSize) return
      start += chunkSize
    }
  }
}

type AddPaths<L, P extends string> = [P] extends [never] ? L : UnionAdd<L, P>
type UnionAdd<L, P extends string> = (P extends unknown ? (x: AddPath<L, P>) => void : never) extends (
  x: infer I,
) => void
  ? I
  : L

const CHECK_SHAPES = process.env.QUARRY_CHECK_SHAPES === '1'
const BIGINTS = { bigints: true }

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new InvalidValueError(`${what} must be a non-negative integer.`)
}

function fieldHasBigint(fields: readonly (Field | undefined)[]): boolean {
  return fields.some((f) => f?.kind === 'bigint')
}

function makeMapper(entry: ShapeEntry, layout: RowLayout, backend: Backend): CachedMapper {
  let m: CachedMapper
  if (layout.kind === 'instances') {
    const fields: Field[] = []
    const collect = (l: typeof layout.root) => {
      fields.push(...l.fields)
      l.children.forEach(collect)
    }
    collect(layout.root)
    const bigints = fieldHasBigint(fields) || fieldHasBigint(layout.annotations.map((a) => a.field))
    const convert = (f: Field) => backend.ops.fromDb(f, { bigints })
    m = { map: compileInstanceMapper(layout.root, layout.annotations, convert), bigints }
  } else {
    const bigints = fieldHasBigint(layout.fields)
    const convert = (f: Field) => backend.ops.fromDb(f, { bigints })
    m = { map: compileValuesMapper(layout.mode, layout.names, layout.fields, convert), bigints }
  }
  entry.mapper = m
  entry.layout = layout
  return m
}

function aggregateMapper(
  names: readonly string[],
  fields: readonly (Field | undefined)[],
  specs: Record<string, Aggregate>,
  backend: Backend,
): ValuesMapper {
  const numeric = names.map((n) => specs[n]!.fn === 'Count' || specs[n]!.fn === 'Avg' || specs[n]!.fn === 'Sum')
  const base = compileValuesMapper('objects', names, fields, (f) => backend.ops.fromDb(f))
  return (row) => {
    const o = base(row) as Record<string, unknown>
    names.forEach((n, i) => {
      const v = o[n]
      if (
        numeric[i] &&
        v !== null &&
        typeof v !== 'number' &&
        fields[i]?.kind !== 'bigint' &&
        fields[i]?.kind !== 'decimal'
      )
        o[n] = Number(v)
      if (specs[n]!.fn === 'Count' && v === null) o[n] = 0
    })
    return o
  }
}
