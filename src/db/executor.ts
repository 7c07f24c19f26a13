import { AsyncLocalStorage } from 'node:async_hooks'
import type { Backend, Connection, Lease, QueryOptions, RunResult } from '../backends/backend.ts'
import { liveParams } from '../diagnostics/live-params.ts'
import { ImproperlyConfigured, StateError } from '../errors.ts'
import { callSite, type StackHolder, siteOf } from '../profiler/call-site.ts'
import { type QueryEvent, queryChannel } from '../profiler/events.ts'
import type { StatementNode } from '../sql/ast/write-nodes.ts'
import { bindParams, type CompiledQuery } from '../sql/compiled-query.ts'

export type StatementKind = QueryEvent['kind']

export interface TxState {
  readonly alias: string
  readonly lease: Lease
  savepoints: number
  /** Callbacks for after the outermost commit. */
  readonly onCommit: (() => unknown)[]
}

/** A compiled statement with whatever the query layer attaches to its shape (row mappers). */
export interface ShapeEntry {
  readonly compiled: CompiledQuery
  mapper?: unknown
  /** How rows map (set by the query layer on first use). */
  layout?: unknown
}

export interface RunInfo {
  kind: StatementKind
  model?: string | undefined
  /** Where the query was built, for when the live stack no longer shows user code. */
  site?: StackHolder | undefined
}

const CHECK_SHAPES = process.env.QUARRY_CHECK_SHAPES === '1'

// Hoisted so the hot path allocates no closure per statement.
const BIGINTS: QueryOptions = { bigints: true }
const readRows = (c: Connection, sql: string, p: readonly unknown[]) => c.rows(sql, p)
const readRowsBig = (c: Connection, sql: string, p: readonly unknown[]) => c.rows(sql, p, BIGINTS)
const readObjects = (c: Connection, sql: string, p: readonly unknown[]) => c.objects(sql, p)
const runWrite = (c: Connection, sql: string, p: readonly unknown[]) => c.run(sql, p)
const length = (r: readonly unknown[]) => r.length
const rowCount = (r: RunResult) => r.rowCount
const SHAPE_CACHE_SIZE = 2000

/**
 * Runs every statement: picks the connection (the transaction's, or one from the pool), binds values, times it,
 * translates driver errors and publishes a `QueryEvent`. The one place statements pass through.
 */
export class Executor {
  readonly backends: ReadonlyMap<string, Backend>
  readonly #tx = new AsyncLocalStorage<ReadonlyMap<string, TxState>>()
  readonly #shapes = new Map<Backend, Map<string, ShapeEntry>>()
  readonly #owner: object
  readonly logParams: boolean
  #closed = false

  constructor(backends: ReadonlyMap<string, Backend>, owner: object, options: { logParams?: boolean } = {}) {
    this.backends = backends
    this.#owner = owner
    this.logParams = options.logParams ?? false
  }

  backend(alias: string): Backend {
    const b = this.backends.get(alias)
    if (!b)
      throw new ImproperlyConfigured(`No database '${alias}'. Configured: ${[...this.backends.keys()].join(', ')}.`)
    return b
  }

  /** The transaction open on `alias` in the current async context. */
  tx(alias: string): TxState | undefined {
    return this.#tx.getStore()?.get(alias)
  }
  /** Aliases with a transaction open in this async context. */
  /** The alias of a transaction open in this async context, if any (no allocation: on every read). */
  firstTransaction(): string | undefined {
    const store = this.#tx.getStore()
    if (store === undefined) return undefined
    for (const alias of store.keys()) return alias
    return undefined
  }

  /**
   * The compiled statement for a query shape: from the cache, or compiled now. With `QUARRY_CHECK_SHAPES=1`
   * (the test suite) every hit is recompiled and compared, so a shape key missing a structural token fails loudly.
   */
  shape(backend: Backend, key: string, node: StatementNode): ShapeEntry {
    let byKey = this.#shapes.get(backend)
    if (!byKey) this.#shapes.set(backend, (byKey = new Map()))
    let entry = byKey.get(key)
    if (entry === undefined) {
      entry = { compiled: backend.compiler.compile(node) }
      if (byKey.size >= SHAPE_CACHE_SIZE) byKey.delete(byKey.keys().next().value!)
      byKey.set(key, entry)
    } else if (CHECK_SHAPES) {
      const again = backend.compiler.compile(node).sql
      if (again !== entry.compiled.sql)
        throw new Error(`quarry shape cache collision for key ${key}:\n${entry.compiled.sql}\n!==\n${again}`)
    }
    return entry
  }

  /** The entry cached under `key`, if any (the query layer's fast shape keys). */
  cached(backend: Backend, key: string): ShapeEntry | undefined {
    return this.#shapes.get(backend)?.get(key)
  }
  /** Cache `entry` under a second key. */
  remember(backend: Backend, key: string, entry: ShapeEntry): void {
    this.#shapes.get(backend)?.set(key, entry)
  }

  rows(
    alias: string,
    q: CompiledQuery,
    values: readonly unknown[],
    info: RunInfo,
    options?: QueryOptions,
  ): Promise<unknown[][]> {
    return this.#run(
      alias,
      q.sql,
      bindParams(q, values),
      info,
      q.tables,
      options?.bigints ? readRowsBig : readRows,
      length,
    )
  }

  objects(
    alias: string,
    q: CompiledQuery,
    values: readonly unknown[],
    info: RunInfo,
  ): Promise<Record<string, unknown>[]> {
    return this.#run(alias, q.sql, bindParams(q, values), info, q.tables, readObjects, length)
  }

  write(alias: string, q: CompiledQuery, values: readonly unknown[], info: RunInfo): Promise<RunResult> {
    return this.#run(alias, q.sql, bindParams(q, values), info, q.tables, runWrite, rowCount)
  }

  /** Statements without parameters (DDL, transaction control). */
  async exec(alias: string, sql: string, kind: StatementKind, conn?: Connection): Promise<void> {
    await this.#run(
      alias,
      sql,
      [],
      { kind },
      [],
      (c, s) => c.exec(s),
      () => 0,
      conn,
    )
  }

  /** Stream rows in chunks (server-side cursor or the driver's iterator); `undefined` if the backend cannot. */
  stream(
    alias: string,
    q: CompiledQuery,
    values: readonly unknown[],
    chunkSize: number,
    info: RunInfo,
    options?: QueryOptions,
  ): AsyncIterable<unknown[][]> | undefined {
    const backend = this.backend(alias)
    if (!backend.features.canStreamRows) return undefined
    const tx = this.tx(alias)
    const params = bindParams(q, values)
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        // A pool lends the stream a connection of its own. A single connection (SQLite) is shared instead: an
        // exclusive lease would make every query run inside the loop wait for the loop to end (a deadlock); a
        // reading statement may share its connection with others. It still waits for someone else's transaction.
        const shared = !tx && !backend.features.hasConnectionPool
        let lease: Lease | null = null
        let conn: Connection | undefined = tx?.lease.conn
        try {
          if (shared) conn = await backend.withConnection((c) => c)
          else if (!tx) conn = (lease = await backend.acquire()).conn
        } catch (e) {
          throw backend.translateError(e, q.sql)
        }
        const site = queryChannel.hasSubscribers ? (callSite() ?? siteOf(info.site)) : undefined
        let error: Error | undefined
        const started = performance.now()
        let count = 0
        try {
          if (!conn?.stream) throw new StateError('NO_STREAM', `The ${backend.vendor} connection cannot stream rows.`)
          for await (const chunk of conn.stream(q.sql, params, chunkSize, options)) {
            count += chunk.length
            yield chunk
          }
        } catch (e) {
          error = backend.translateError(e, q.sql)
          throw error
        } finally {
          lease?.release(error !== undefined)
          if (queryChannel.hasSubscribers)
            self.#publish(alias, backend, q.sql, params, info, q.tables, started, count, site, error)
        }
      },
    }
  }

  async #run<T>(
    alias: string,
    sql: string,
    params: readonly unknown[],
    info: RunInfo,
    tables: readonly string[],
    fn: (c: Connection, sql: string, params: readonly unknown[]) => T | Promise<T>,
    count: (r: T) => number,
    conn?: Connection,
  ): Promise<T> {
    if (this.#closed)
      throw new StateError('DATABASE_CLOSED', 'This database was closed with db.close(). Connect again.')
    const backend = this.backend(alias)
    const listening = queryChannel.hasSubscribers
    // The call site is read before the first await, while the caller's frames are still on the stack.
    const site = listening ? (callSite() ?? siteOf(info.site)) : undefined
    const started = listening ? performance.now() : 0
    let result: T
    try {
      const c = conn ?? this.tx(alias)?.lease.conn ?? backend.idleConnection?.()
      const r = c ? fn(c, sql, params) : backend.withConnection((x) => fn(x, sql, params))
      result = r instanceof Promise ? await r : (r as T)
    } catch (e) {
      const err = backend.translateError(e, sql)
      if (listening) this.#publish(alias, backend, sql, params, info, tables, started, 0, site, err)
      throw err
    }
    if (listening) this.#publish(alias, backend, sql, params, info, tables, started, count(result), site)
    return result
  }

  #publish(
    alias: string,
    backend: Backend,
    sql: string,
    params: readonly unknown[],
    info: RunInfo,
    tables: readonly string[],
    started: number,
    rowCount: number,
    site: string | undefined,
    error?: Error,
  ): void {
    const event: QueryEvent = {
      sql,
      durationMs: performance.now() - started,
      rowCount,
      callSite: site,
      alias,
      vendor: backend.vendor,
      kind: info.kind,
      tables,
      model: info.model,
      database: this.#owner,
    }
    if (this.logParams) event.params = params
    if (liveParams.wanted > 0) liveParams.byEvent.set(event, params)
    if (error) event.error = error
    queryChannel.publish(event)
  }

  // ---- transactions ------------------------------------------------------------------------------------------

  /**
   * Run `fn` in a transaction on `alias`; nested calls become savepoints. Everything awaited inside, however
   * deep, uses the transaction's connection.
   */
  async atomic<T>(alias: string, fn: () => Promise<T> | T): Promise<T> {
    const current = this.tx(alias)
    if (current) return this.#savepoint(current, fn)
    const backend = this.backend(alias)
    let lease: Lease
    try {
      lease = await backend.acquire()
    } catch (e) {
      throw backend.translateError(e, undefined)
    }
    const tx: TxState = { alias, lease, savepoints: 0, onCommit: [] }
    const store = new Map(this.#tx.getStore() ?? [])
    store.set(alias, tx)
    let result: T
    try {
      await this.exec(alias, backend.beginSql(), 'transaction', lease.conn)
    } catch (e) {
      lease.release(true)
      throw e
    }
    try {
      result = await this.#tx.run(store, fn)
      await this.exec(alias, 'COMMIT', 'transaction', lease.conn)
    } catch (e) {
      let broken = false
      try {
        await this.exec(alias, 'ROLLBACK', 'transaction', lease.conn)
      } catch {
        broken = true
      }
      lease.release(broken)
      throw e
    }
    lease.release()
    for (const cb of tx.onCommit) await cb()
    return result
  }

  async #savepoint<T>(tx: TxState, fn: () => Promise<T> | T): Promise<T> {
    const name = `quarry_sp_${++tx.savepoints}`
    const callbacks = tx.onCommit.length
    const q = this.backend(tx.alias).ops.quote(name)
    await this.exec(tx.alias, `SAVEPOINT ${q}`, 'transaction', tx.lease.conn)
    try {
      const r = await fn()
      await this.exec(tx.alias, `RELEASE SAVEPOINT ${q}`, 'transaction', tx.lease.conn)
      return r
    } catch (e) {
      await this.exec(tx.alias, `ROLLBACK TO SAVEPOINT ${q}`, 'transaction', tx.lease.conn)
      await this.exec(tx.alias, `RELEASE SAVEPOINT ${q}`, 'transaction', tx.lease.conn)
      tx.onCommit.length = callbacks // callbacks of the rolled-back block never run
      throw e
    }
  }

  /** Run `cb` after the outermost transaction on `alias` commits, or now if there is none. */
  async onCommit(alias: string, cb: () => unknown): Promise<void> {
    const tx = this.tx(alias)
    if (tx) tx.onCommit.push(cb)
    else await cb()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const b of this.backends.values()) await b.close()
  }
}
