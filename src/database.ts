import { createHash } from 'node:crypto'
import type { Backend } from './backends/backend.ts'
import {
  createBackend,
  type IsolationLevel,
  type PoolOptions,
  type SqliteDriverName,
} from './backends/create-backend.ts'
import type { BaseCache } from './cache/base-cache.ts'
import { QueryCache } from './cache/query-cache.ts'
import { queryChannel } from './diagnostics/channels.ts'
import type { QueryEvent } from './diagnostics/events.ts'
import { Executor } from './engine/executor.ts'
import type { Interceptor } from './engine/interceptors.ts'
import { PreparedQueries } from './engine/prepared-query.ts'
import { type Router, Routing } from './engine/router.ts'
import { Runner } from './engine/runner.ts'
import { ImproperlyConfigured, InvalidValueError } from './errors.ts'
import { type MigrateOptions, migrate, type PlannedMigration } from './migrations/executor.ts'
import type { RelationField } from './model/fields/relation-field.ts'
import type { ReverseRelation } from './model/model-meta.ts'
import { type InstanceHost, type ModelInstance, metaOf, pkValue } from './model/runtime.ts'
import type { Models, Schema } from './model/schema.ts'
import type { DbCore, FetchMode, LoadingHooks, NPlusOneMode } from './query/db-core.ts'
import { Loader } from './query/loading/loader.ts'
import { Manager } from './query/manager.ts'
import { loadForwardOnce, refreshInstance, saveInstance } from './query/persistence.ts'
import { QuerySet } from './query/query-set.ts'
import { RelatedManager } from './query/related-manager.ts'
import { emptyState, type QueryState } from './sql/query-state.ts'
import { assertFragment, type SqlFragment } from './sql/sql-tag.ts'

export type { Router }

export interface ConnectOptions {
  /** Default fetch mode of every QuerySet (`'one'`). */
  fetchMode?: FetchMode
  /** What the N+1 detector does (`'warn'`). */
  nPlusOne?: NPlusOneMode
  /** Relations the N+1 detector ignores: `'Post.author'`. */
  nPlusOneAllow?: readonly string[]
  router?: Router
  /** Include bound values in query events. Off by default: values may be personal data. */
  logParams?: boolean
  /** Pool sizing for server databases, and the bound on waiting for a connection (all backends). */
  pool?: PoolOptions
  /**
   * Transaction isolation level of every connection. Default: READ COMMITTED on PostgreSQL and MySQL/MariaDB (as
   * Django); SQLite is always serializable (any other level is an `ImproperlyConfigured` error there).
   */
  isolationLevel?: IsolationLevel
  /**
   * SQLite files. `wal`: switch the file to write-ahead logging (readers do not wait for the writer). The switch is
   * permanent, stored in the file, so it is made by default only for a file quarry creates; `true` converts an
   * existing file too, `false` never. `busyTimeoutMs`: how long a statement retries, with short asynchronous pauses
   * that keep the event loop running, while another connection holds the database's lock (default 5 000); then an
   * `OperationalError`. `driver`: `'node:sqlite'` (default, built into Node) or `'better-sqlite3'` (faster reads; an
   * optional peer dependency with a native addon: `npm install better-sqlite3`); a URL can name it too
   * (`sqlite:./app.db?driver=better-sqlite3`). See docs/backends.md.
   */
  sqlite?: { wal?: boolean; busyTimeoutMs?: number; driver?: SqliteDriverName }
  /** Wrap every statement (see `db.intercept()`), the first outermost. */
  interceptors?: readonly Interceptor[]
  /**
   * A cache (`createCache()` from `quarry/cache`) for `QuerySet.cache()`. Every write through this database then
   * invalidates the cached queries (and `cachePage({ dependsOn })` pages) that read the tables it wrote, in
   * every process sharing the cache. The query cache is the outermost interceptor.
   */
  cache?: BaseCache
}

/**
 * A connected database: one manager per model (`db.Post`), raw SQL, transactions and query events.
 * Create it with `connect()`.
 */
export class Database<M extends Models = Models> implements DbCore {
  readonly schema: Schema<M>
  readonly executor: Executor
  readonly options: Readonly<ConnectOptions>
  /** Which alias each statement goes to (engine/router.ts). */
  readonly routing: Routing
  /** Runs what QuerySets, managers and loaders describe (engine/runner.ts). */
  readonly runner: Runner
  /** Prefetching, fetch modes and the N+1 detector (query/loading). */
  readonly loading: LoadingHooks
  /** The query cache, when `connect()` was given a `cache`. */
  readonly queryCache: QueryCache | undefined
  readonly #hosts = new Map<string, AliasHost>()
  readonly #managers = new Map<string, unknown>()

  constructor(
    schema: Schema<M>,
    backends: ReadonlyMap<string, Backend>,
    options: ConnectOptions = {},
    /** A stable id per alias (a hash of its URL without password), so processes on one database share entries. */
    dbIds: ReadonlyMap<string, string> = new Map(),
    /** Share another database's connections and open transactions (`withSchema`). */
    executor?: Executor,
  ) {
    this.schema = schema
    this.options = options
    const cache = options.cache
    if (cache !== undefined && typeof (cache as Partial<BaseCache>).readMany !== 'function')
      throw new ImproperlyConfigured('connect(…, { cache }) takes a cache from createCache() (quarry/cache).')
    this.queryCache = cache && new QueryCache(cache, dbIds, schema.models())
    this.executor =
      executor ??
      new Executor(backends, this, {
        logParams: options.logParams,
        interceptors: [...(this.queryCache ? [this.queryCache.interceptor] : []), ...(options.interceptors ?? [])],
      })
    cache?.models.bind(schema.models(), (alias) => this.host(alias))
    this.routing = new Routing(options.router, this.executor.transactions)
    this.loading = new Loader(this, options)
    this.runner = new Runner(this.executor, this.routing, new PreparedQueries(), this.loading)
    if (!backends.has('default')) throw new ImproperlyConfigured("connect() needs a 'default' database.")
    for (const meta of schema.userModels()) {
      if (meta.name in this)
        throw new ImproperlyConfigured(`Model name '${meta.name}' clashes with db.${meta.name}. Rename the model.`)
      Object.defineProperty(this, meta.name, { get: () => this.manager(meta.name), enumerable: true })
    }
  }

  /** The default manager of a model, by name (`db.manager('Post')` is `db.Post`). */
  manager<N extends keyof M & string>(name: N): Manager<M, N> {
    let m = this.#managers.get(name) as Manager<M, N> | undefined
    if (!m) {
      m = new Manager<M, N>(this, emptyState(this.schema.get(name)))
      this.#managers.set(name, m)
    }
    return m
  }

  // ---- routing -----------------------------------------------------------------------------------------------

  readAlias(state: QueryState): string {
    return this.routing.read(state)
  }
  writeAlias(state: QueryState): string {
    return this.routing.write(state)
  }
  host(alias: string): InstanceHost {
    let h = this.#hosts.get(alias)
    if (!h) this.#hosts.set(alias, (h = new AliasHost(this, alias)))
    return h
  }

  // ---- raw SQL -----------------------------------------------------------------------------------------------

  /**
   * Rows of a raw query as objects. Only the `sql` tag is accepted; values are bound parameters.
   *
   * @example
   * await db.query<{ id: number }>(sql`select id from blog_post where views > ${min}`)
   */
  async query<T = Record<string, unknown>>(query: SqlFragment, options: { using?: string } = {}): Promise<T[]> {
    assertFragment(query, 'db.query()')
    return (await this.runner.rawObjects(query, options.using ?? this.routing.raw())) as T[]
  }

  /** Run a raw statement; returns the rows affected. */
  async execute(query: SqlFragment, options: { using?: string } = {}): Promise<{ rowCount: number }> {
    assertFragment(query, 'db.execute()')
    const r = await this.runner.rawExecute(query, options.using ?? this.routing.raw())
    return { rowCount: r.rowCount }
  }

  // ---- transactions ------------------------------------------------------------------------------------------

  /**
   * Run `fn` in a transaction: every query awaited inside, however deep, uses it. A thrown error rolls back;
   * nested calls are savepoints.
   *
   * @example
   * await db.atomic(async () => { await a.save(); await b.save() })   // both or neither
   */
  atomic<T>(fn: () => Promise<T> | T, options: { using?: string } = {}): Promise<T> {
    return this.executor.atomic(options.using ?? this.routing.atomic(), fn)
  }

  /** Run `cb` after the outermost transaction commits (now, outside one). Dropped if it rolls back. */
  onCommit(cb: () => unknown, options: { using?: string } = {}): Promise<void> {
    return this.executor.onCommit(options.using ?? this.routing.raw(), cb)
  }

  // ---- interceptors -----------------------------------------------------------------------------------------

  /**
   * Wrap the execution of every statement this database runs: see it (SQL, values, tables, read or write, the
   * transaction) and call `next()` to run it, or answer it yourself. Returns a function that removes it.
   * The query cache and the profiler are interceptors.
   *
   * @example
   * const stop = db.intercept(async (statement, next) => {
   *   const started = performance.now()
   *   try { return await next() } finally { metrics.observe(statement.shapeKey, performance.now() - started) }
   * })
   */
  intercept(interceptor: Interceptor): () => void {
    return this.executor.intercept(interceptor)
  }

  // ---- events ------------------------------------------------------------------------------------------------

  /**
   * Listen to every statement this database runs. Returns a function that stops listening. Events are plain data
   * (`JSON.stringify(e)` works); a listener that throws is reported once as a process warning, never fatal.
   *
   * @example
   * const stop = db.on('query', (e) => console.log(e.sql, e.durationMs, e.callSite))
   */
  on(event: 'query', listener: (e: QueryEvent) => void): () => void {
    if (event !== 'query') throw new InvalidValueError(`Unknown event '${event}'. Use 'query'.`)
    let reported = false
    const handler = (message: unknown) => {
      const e = message as QueryEvent
      if (e.database !== this) return
      // diagnostics_channel would rethrow a subscriber's error as an uncaught exception, killing the process over
      // a logging bug: the error is reported once instead, and the statement and other listeners carry on.
      try {
        listener(e)
      } catch (err) {
        if (reported) return
        reported = true
        process.emitWarning(
          `A db.on('query') listener threw: ${err instanceof Error ? err.message : String(err)}. The query went on; later errors of this listener are not reported.`,
          { type: 'QuarryListenerWarning', code: 'QUARRY_LISTENER_THREW' },
        )
      }
    }
    queryChannel.subscribe(handler)
    return () => queryChannel.unsubscribe(handler)
  }

  // ---- schema ------------------------------------------------------------------------------------------------

  /** CREATE TABLE (and indexes) for every model. For quick starts and tests; projects use migrations. */
  async createTables(options: { using?: string } = {}): Promise<void> {
    const alias = options.using ?? 'default'
    const backend = this.executor.backend(alias)
    for (const stmt of backend.schemaEditor.createTables(this.schema.models()))
      await this.executor.exec(alias, stmt, 'ddl')
  }

  /** DROP TABLE for every model (children first). */
  async dropTables(options: { using?: string } = {}): Promise<void> {
    const alias = options.using ?? 'default'
    const backend = this.executor.backend(alias)
    for (const stmt of backend.schemaEditor.dropTables(this.schema.models()))
      await this.executor.exec(alias, stmt, 'ddl')
  }

  /**
   * Apply the pending migrations of `dir` (tests and start-up scripts); the CLI's `migrate` does the same.
   *
   * @example
   * await db.migrate({ dir: './migrations' })
   */
  async migrate(options: Partial<MigrateOptions> = {}): Promise<PlannedMigration[]> {
    return migrate(this, { dir: options.dir ?? 'migrations', ...options })
  }

  /** The same connections and transactions with other models (migrations' historical models for runCode). */
  withSchema<M2 extends Models>(schema: Schema<M2>): Db<M2> {
    // No cache of its own: the shared executor's interceptors (the query cache's too) see its writes.
    const { cache: _, ...options } = this.options
    return new Database(schema, this.executor.backends, options, new Map(), this.executor) as Db<M2>
  }

  /** Close every connection. Queries after this fail with a clear error. */
  close(): Promise<void> {
    this.queryCache?.generations.stop()
    return this.executor.close()
  }

  get hasQueryCache(): boolean {
    return this.queryCache !== undefined
  }
}

/** The instance host for one alias: what `post.save()` or `await post.author` run against. */
class AliasHost implements InstanceHost {
  readonly db: Database
  readonly alias: string
  constructor(db: Database, alias: string) {
    this.db = db
    this.alias = alias
  }
  #writeAlias(inst: ModelInstance): string {
    return this.db.routing.writeInstance(metaOf(inst).name, inst, this.alias)
  }
  saveInstance(
    inst: ModelInstance,
    options: { updateFields?: readonly string[]; forceInsert?: boolean },
  ): Promise<void> {
    return saveInstance(this.db, this.#writeAlias(inst), inst, options)
  }
  async deleteInstance(inst: ModelInstance): Promise<number> {
    const meta = metaOf(inst)
    const pk = pkValue(inst)
    if (pk === undefined || pk === null)
      throw new InvalidValueError(`This ${meta.name} has no primary key: it was never saved.`)
    const n = await new QuerySet(this.db, { ...emptyState(meta), using: this.#writeAlias(inst) })
      .filter({ pk } as never)
      .delete()
    ;(inst as unknown as Record<string, unknown>)[meta.pk.attname] = null
    return n
  }
  refreshInstance(inst: ModelInstance, fields?: readonly string[]): Promise<void> {
    return refreshInstance(this.db, this.alias, inst, fields)
  }
  loadForward(inst: ModelInstance, field: RelationField): Promise<ModelInstance | null> {
    return loadForwardOnce(this.db, this.alias, inst, field)
  }
  relatedManager(inst: ModelInstance, rel: ReverseRelation | RelationField): unknown {
    return new RelatedManager(this.db, inst, rel, this.alias)
  }
  async loadReverseOne(inst: ModelInstance, rel: ReverseRelation): Promise<ModelInstance | null> {
    const qs = new QuerySet(this.db, { ...emptyState(rel.related), using: this.alias })
    return (await qs.filter({ [rel.field.name]: pkValue(inst) } as never).first()) as ModelInstance | null
  }
}

/** A connected database typed by its schema: `db.Post` is `Manager<…, 'Post'>`. */
export type Db<M extends Models> = Database<M> & { readonly [N in keyof M & string]: Manager<M, N> }

/**
 * Connect to a database (or several, by alias) with a schema.
 *
 * @example
 * const db = await connect('sqlite::memory:', schema)
 * const db2 = await connect({ default: primaryUrl, replica: replicaUrl }, schema, { router })
 */
export async function connect<M extends Models>(
  url: string | Record<string, string>,
  schema: Schema<M>,
  options: ConnectOptions = {},
): Promise<Db<M>> {
  const urls = typeof url === 'string' ? { default: url } : url
  if (!urls || typeof urls !== 'object') throw new ImproperlyConfigured('connect() takes a URL or { alias: url }.')
  const backends = new Map<string, Backend>()
  try {
    for (const [alias, u] of Object.entries(urls))
      backends.set(
        alias,
        await createBackend(u, { ...options.pool, isolationLevel: options.isolationLevel, sqlite: options.sqlite }),
      )
  } catch (e) {
    for (const b of backends.values()) await b.close()
    throw e
  }
  const ids = new Map<string, string>()
  for (const [alias, u] of Object.entries(urls)) ids.set(alias, databaseId(u))
  return new Database(schema, backends, options, ids) as Db<M>
}

/**
 * The identity of a database URL for cache keys: the same database gets the same id in every process, whatever the
 * password or the SQLite driver (`?driver=`) that process uses.
 */
function databaseId(url: string): string {
  let id = url
  try {
    const u = new URL(url)
    u.password = ''
    if (u.protocol === 'sqlite:' && u.searchParams.has('driver')) u.searchParams.delete('driver')
    id = u.toString()
  } catch {}
  return createHash('sha1').update(id).digest('base64url').slice(0, 12)
}
