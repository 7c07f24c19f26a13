import { captureStack, NEAR_FRAMES } from '../diagnostics/call-site.ts'
import { queryChannel } from '../diagnostics/channels.ts'
import { cacheScope } from '../engine/cache-scope.ts'
import type { SelectOptions } from '../engine/runner.ts'
import {
  DoesNotExist,
  ImproperlyConfigured,
  InvalidValueError,
  MultipleObjectsReturned,
  StateError,
} from '../errors.ts'
import type { Models } from '../model/schema.ts'
import type { FieldPath, OrderPath, PkOf, SelectRelatedPath, UpdateInput } from '../model/types.ts'
import { Aggregate, type Expression, OrderBy } from '../sql/expressions.ts'
import type { PrefetchSpec, QueryState } from '../sql/query-state.ts'
import { fastPrefix, GET_LIMIT, getReadsOneRow } from '../sql/resolve/fast-shape.ts'
import type { DbCore, FetchMode } from './db-core.ts'
import { type AddFields, type AddLookups, type PrefetchArg, toPrefetchSpecs } from './loading/prefetch-types.ts'
import { NO_SITE } from './loading/scope.ts'
import { type KeysetPage, keysetPage, type PaginateArgs, planKeyset } from './pagination/keyset.ts'
import type { AddPaths, Annotated, FilterArg, Path, PlainRow, RowOf, ValueAt } from './query-set-types.ts'

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
    else if (state.site === undefined && this.db.loading.wantsSites) state.site = captureStack(NEAR_FRAMES)
    return new QuerySet(this.db, state)
  }

  /** @internal This QuerySet, marked so that chaining from it captures no call site (single-row terminals). */
  protected quiet(): QuerySet<M, N, L, A, V> {
    return this.state.site ? this : new QuerySet(this.db, { ...this.state, site: NO_SITE })
  }

  // ---- chainable ---------------------------------------------------------------------------------------------

  /** A copy of this QuerySet. */
  all(): QuerySet<M, N, L, A, V> {
    return this.with({})
  }
  /** Rows matching every filter (AND). Lookups: `{ views: { gte: 10 } }`; relations: `{ author: { name: 'x' } }`. */
  filter(...filters: FilterArg<M, N, A>[]): QuerySet<M, N, L, A, V> {
    this.#unsliced('filter')
    return this.with({ where: [...this.state.where, ...filters.map((f) => ({ input: f as never, negate: false }))] })
  }
  /** Rows matching none of the filters. */
  exclude(...filters: FilterArg<M, N, A>[]): QuerySet<M, N, L, A, V> {
    this.#unsliced('exclude')
    return this.with({ where: [...this.state.where, ...filters.map((f) => ({ input: f as never, negate: true }))] })
  }
  /** `orderBy('-createdAt', 'id')`, `orderBy('author.name')`, `orderBy(F('email').asc({ nullsLast: true }))`. */
  orderBy(
    ...terms: (OrderPath<M, N> | (keyof A & string) | `-${keyof A & string}` | OrderBy)[]
  ): QuerySet<M, N, L, A, V> {
    this.#unsliced('reorder')
    return this.with({ order: terms as (string | OrderBy)[] })
  }
  /** Reverse the ordering (the explicit one, or the model's default). */
  reverse(): QuerySet<M, N, L, A, V> {
    this.#unsliced('reverse')
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
  /** The first `n` rows (of the current slice, if any: `limit(3).limit(5)` is 3 rows, as `qs[:3][:5]` in Django). */
  limit(n: number): QuerySet<M, N, L, A, V> {
    checkCount(n, 'limit')
    return this.slice(0, n)
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
  /**
   * Lock the selected rows until the transaction ends: `SELECT … FOR UPDATE` on PostgreSQL and MySQL. Ignored on
   * SQLite, as in Django: it has no row locks, and its write lock (taken by `atomic()`) already serialises writers.
   */
  selectForUpdate(options: { noWait?: boolean; skipLocked?: boolean } = {}): QuerySet<M, N, L, A, V> {
    return this.with({ forUpdate: options })
  }
  /** How unloaded relations of the results load: `one` query each, all `peers` at once, or `raise`. */
  fetchMode(mode: FetchMode): QuerySet<M, N, L, A, V> {
    if (mode !== 'one' && mode !== 'peers' && mode !== 'raise')
      throw new InvalidValueError(`fetchMode takes 'one', 'peers' or 'raise'.`)
    return this.with({ fetchMode: mode })
  }
  /**
   * Answer this query from the query cache while no write touches the tables it reads (those of its joins and
   * prefetches included); `ttl` in seconds bounds how long an entry lives even without writes (`null`: until a
   * write). Works for rows, `values()`, `get`, `count`, `exists` and `aggregate`. Needs `connect(url, schema,
   * { cache })`. Inside a transaction the database is always asked.
   *
   * @example
   * const hot = await db.Post.filter({ published: true }).selectRelated('author').cache({ ttl: 900 })
   */
  cache(options: { ttl?: number | null } = {}): QuerySet<M, N, L, A, V> {
    if (!this.db.hasQueryCache)
      throw new ImproperlyConfigured(
        '.cache() needs a cache: connect(url, schema, { cache: createCache(…) }) (from quarry/cache).',
      )
    const ttl = options.ttl
    if (ttl !== undefined && ttl !== null && (typeof ttl !== 'number' || Number.isNaN(ttl)))
      throw new InvalidValueError('.cache({ ttl }) takes seconds (a number), or null to keep until a write.')
    return this.with({ cache: { ttl } })
  }
  /** Run `fn` with this QuerySet's cache hint in scope (its prefetch queries are cached too). */
  #cached<T>(fn: () => Promise<T>): Promise<T> {
    const hint = this.state.cache
    return hint === undefined || cacheScope.getStore() === hint ? fn() : cacheScope.run(hint, fn)
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
  fetch(options: SelectOptions = {}): Promise<RowOf<M, N, L, A, V>[]> {
    if (this.state.cache !== undefined) return this.#cached(() => this.db.runner.select(this.state, options)) as never
    return this.db.runner.select(this.state, options) as Promise<RowOf<M, N, L, A, V>[]>
  }

  /**
   * The one row matching `filter`; `DoesNotExist` or `MultipleObjectsReturned` otherwise.
   *
   * @example
   * await Post.get({ id: 5 })          // SELECT … FROM "blog_post" WHERE "blog_post"."id" = ?
   * await Post.get({ title: 'Hello' })  // … WHERE "blog_post"."title" = ? LIMIT ?  (21: "more than 20" in the error)
   */
  get(...filters: FilterArg<M, N, A>[]): Promise<RowOf<M, N, L, A, V>> {
    return this.state.cache === undefined ? this.#get(filters) : this.#cached(() => this.#get(filters))
  }

  /**
   * The hot path of W4 (get by primary key), not an async function: a single equality filter whose shape is cached
   * goes straight to the prepared query (`Runner.getCached`), its row checked in the same promise reaction that maps
   * it. No call-site capture (one row cannot be an N+1); the filter-independent part of the shape key is memoized on
   * this (usually long-lived) QuerySet. Anything else takes `#getBuilt`. Errors always reject, never throw.
   */
  #get(filters: readonly FilterArg<M, N, A>[]): Promise<RowOf<M, N, L, A, V>> {
    try {
      if (filters.length) this.#unsliced('get() with a filter on')
      const st = this.state
      if (this.#getPrefix === undefined) this.#getPrefix = fastPrefix(st, true)
      const simple =
        filters.length === 1 &&
        st.where.length === 0 &&
        st.limit === undefined &&
        !st.offset && // the memoized prefix does not encode these two
        !st.distinct &&
        this.#getPrefix !== null
      const cached = simple ? this.db.runner.getCached(st, this.#getPrefix!, filters[0], oneRow) : undefined
      return (cached ?? this.#getBuilt(filters)) as Promise<RowOf<M, N, L, A, V>>
    } catch (e) {
      return Promise.reject(e)
    }
  }

  async #getBuilt(filters: readonly FilterArg<M, N, A>[]): Promise<unknown> {
    const st = this.state
    // One row at most (`get({ id })`): no LIMIT, as getCached decides (it looks up the key this builds).
    const unique = filters.length === 1 && getReadsOneRow(st, filters[0])
    const rows = await this.#derive(filters).fetch({
      defaultLimit: st.limit === undefined && !unique ? GET_LIMIT : undefined,
      noOrder: true,
      single: true,
      prefix: this.#getPrefix,
    })
    return oneRow(rows, st)
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

  /** The first row (by the ordering, or the primary key), or null. */
  async first(): Promise<RowOf<M, N, L, A, V> | null> {
    const rows = await this.#ordered().slice(0, 1).fetch({ single: true })
    return rows[0] ?? null
  }
  /** The last row (the ordering reversed), or null. */
  async last(): Promise<RowOf<M, N, L, A, V> | null> {
    const rows = await (this.#ordered().reverse() as QuerySet<M, N, L, A, V>).slice(0, 1).fetch({ single: true })
    return rows[0] ?? null
  }
  /**
   * Refuse what would change a sliced QuerySet's window rather than narrow it (Django: "Cannot filter a query once
   * a slice has been taken"): the slice is taken last, so filtering or reordering after it would apply before it.
   */
  #unsliced(what: string): void {
    const st = this.state
    if (st.limit === undefined && !st.offset) return
    const fix =
      what === 'update' || what === 'delete'
        ? `select the ids first (await qs.valuesList('id', { flat: true })) and ${what} by { id: { in: ids } }`
        : what === 'reorder' || what === 'reverse'
          ? 'order before slicing: qs.orderBy(…).slice(…)'
          : 'filter before slicing: qs.filter(…).slice(…)'
    throw new StateError(
      'QUERY_SLICED',
      `Cannot ${what} a QuerySet once a slice has been taken (limit/offset/slice): it would change which rows the slice holds. Instead, ${fix}.`,
    )
  }
  /** This QuerySet, quiet, ordered by primary key when it has no ordering (first/last need a defined order). */
  #ordered(): QuerySet<M, N, L, A, V> {
    const base = this.quiet()
    if (this.state.order !== null || this.state.model.ordering.length > 0) return base
    this.#unsliced('reorder') // ordering by pk now would pick another window: Django refuses this too
    return base.with({ order: ['pk'] })
  }
  /** `SELECT COUNT(*)`. */
  count(): Promise<number> {
    return this.#cached(() => this.db.runner.count(this.state))
  }
  /** Whether any row matches (`SELECT 1 … LIMIT 1`). */
  exists(): Promise<boolean> {
    return this.#cached(() => this.db.runner.exists(this.state))
  }
  /** Aggregate over the rows: `aggregate({ total: Sum('views') })` → `{ total: number | null }`. */
  aggregate<const X extends Record<string, Aggregate>>(specs: X): Promise<Annotated<M, N, X>> {
    return this.#cached(() => this.db.runner.aggregate(this.state, specs)) as Promise<Annotated<M, N, X>>
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
    this.#unsliced('update')
    return this.db.runner.update(this.state, values as Record<string, unknown>)
  }
  /** `DELETE` every matching row (the database applies ON DELETE); returns rows deleted. */
  async delete(): Promise<number> {
    this.#unsliced('delete')
    return this.db.runner.delete(this.state)
  }
  /**
   * One keyset (cursor) page: constant time at any depth, where `offset` pages slow down linearly. The ordering
   * gets the primary key as its last term unless it ends in a unique field; `first` pages forward from `after`,
   * `last` backward from `before`. A tampered, foreign or stale cursor is an `InvalidCursor` error.
   *
   * @example
   * const p1 = await db.Post.orderBy('-createdAt').paginate({ first: 25 })
   * const p2 = await db.Post.orderBy('-createdAt').paginate({ first: 25, after: p1.endCursor })
   * // SELECT … WHERE ("blog_post"."created_at", "blog_post"."id") < (?, ?)
   * //   ORDER BY "blog_post"."created_at" DESC, "blog_post"."id" DESC LIMIT 26
   */
  async paginate(args: PaginateArgs): Promise<KeysetPage<RowOf<M, N, L, A, V>>> {
    const plan = planKeyset(this.state, args)
    return keysetPage(plan, await this.with(plan.patch).fetch())
  }

  /** @internal The QuerySet `paginate(args)` runs (to `explain()` it). */
  keysetQuery(args: PaginateArgs): QuerySet<M, N, L, A, V> {
    return this.with(planKeyset(this.state, args).patch)
  }

  /** The database's plan for this query, as text. `analyze` runs it (where supported). */
  explain(options: { analyze?: boolean; format?: string } = {}): Promise<string> {
    return this.db.runner.explain(this.state, options)
  }
  /**
   * Stream the rows, with memory bounded by `chunkSize`: rows per round trip on a server (a cursor; the driver's
   * iterator on SQLite). Rows become instances a few dozen at a time; with `fetchMode('peers')` a chunk is mapped
   * whole, so a lazy load covers it. Relations are not prefetched while streaming.
   */
  async *iterator(options: { chunkSize?: number } = {}): AsyncGenerator<RowOf<M, N, L, A, V>> {
    const chunkSize = options.chunkSize ?? 2000
    checkCount(chunkSize, 'chunkSize')
    if (chunkSize === 0) throw new InvalidValueError('iterator({ chunkSize }) needs a positive chunk size.')
    const stream = this.db.runner.stream(this.state, chunkSize)
    if (stream) {
      const drop = stream.handOff
      for await (const rows of stream)
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as RowOf<M, N, L, A, V>
          // Handed out: the loop's variable holds it now, not this batch (a scavenge copies what is alive).
          if (drop) rows[i] = undefined
          yield row
        }
      return
    }
    // No cursor: page through in chunks (stable only with an ordering, so add the primary key).
    const qs: QuerySet<M, N, L, A, V> =
      this.state.order === null && this.state.model.ordering.length === 0 ? this.with({ order: ['pk'] }) : this
    let start = 0
    for (;;) {
      const rows = await qs.slice(start, start + chunkSize).fetch()
      yield* rows
      if (rows.length < chunkSize) return
      start += chunkSize
    }
  }
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new InvalidValueError(`${what} must be a non-negative integer.`)
}

/** `get()`'s answer from its rows: the one row, else `DoesNotExist` or `MultipleObjectsReturned`. */
function oneRow(rows: readonly unknown[], state: QueryState): unknown {
  if (rows.length === 1) return rows[0]
  if (rows.length === 0) throw new DoesNotExist(state.model.name)
  throw new MultipleObjectsReturned(state.model.name, rows.length)
}
