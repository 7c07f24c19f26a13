import type { Backend, Connection, Lease, QueryOptions, RunResult } from '../backends/backend.ts'
import { callSite, captureStack, type StackHolder, siteOf } from '../diagnostics/call-site.ts'
import { queryChannel } from '../diagnostics/channels.ts'
import type { QueryEvent } from '../diagnostics/events.ts'
import { queryContextId } from '../diagnostics/query-context.ts'
import { ImproperlyConfigured, InvalidValueError, StateError } from '../errors.ts'
import { bindParams, type CompiledQuery } from '../sql/compiled-query.ts'
import {
  type Interceptor,
  intercept,
  type Statement,
  type StatementKind,
  type StatementResult,
  type StatementResults,
} from './interceptors.ts'
import { Transactions, type TxState } from './transactions.ts'

export type { StatementKind, TxState }

export interface RunInfo {
  kind: StatementKind
  model?: string | undefined
  /** Where the query was built, for when the live stack no longer shows user code. */
  site?: StackHolder | undefined
}

/** The read options a SELECT takes, shared objects (the runner passes them; the readers below answer them). */
export const BIGINTS: QueryOptions = { bigints: true }
export const SINGLE: QueryOptions = { single: true }
export const SINGLE_BIGINTS: QueryOptions = { bigints: true, single: true }
// Hoisted so the hot path allocates no closure per statement.
const readRows = (c: Connection, sql: string, p: readonly unknown[]) => c.rows(sql, p)
const readRowsBig = (c: Connection, sql: string, p: readonly unknown[]) => c.rows(sql, p, BIGINTS)
const readOne = (c: Connection, sql: string, p: readonly unknown[]) => c.rows(sql, p, SINGLE)
const readOneBig = (c: Connection, sql: string, p: readonly unknown[]) => c.rows(sql, p, SINGLE_BIGINTS)
/** The reader for `options`, without a closure per statement. */
const reader = (o: QueryOptions | undefined) =>
  o === undefined ? readRows : o.single ? (o.bigints ? readOneBig : readOne) : o.bigints ? readRowsBig : readRows
const readObjects = (c: Connection, sql: string, p: readonly unknown[]) => c.objects(sql, p)
const runWrite = (c: Connection, sql: string, p: readonly unknown[]) => c.run(sql, p)
const length = (r: readonly unknown[]) => r.length
const rowCount = (r: RunResult) => r.rowCount

const STREAM_CLOSE_MS = 2_000

const closedError = () => new StateError('DATABASE_CLOSED', 'This database was closed with db.close(). Connect again.')

/**
 * The last resort for an `iterator()` dropped in the middle of a loop, without `break` or `return()`: once it is
 * garbage collected its stream is ended, which gives the connection (and on PostgreSQL its transaction) back.
 */
const abandoned = new FinalizationRegistry<AsyncGenerator<unknown[][]>>((rows) => {
  void rows.return(undefined).catch(() => {})
})

/**
 * Runs every statement: picks the connection (the transaction's, or one from the pool), binds values, times it,
 * translates driver errors and publishes a `QueryEvent`. The one place statements pass through.
 */
export class Executor {
  readonly backends: ReadonlyMap<string, Backend>
  readonly transactions: Transactions
  readonly #interceptors: Interceptor[] = []
  /** The prototype of this database's events: `database` is inherited, so the events themselves are plain data. */
  readonly #eventProto: { readonly database: object }
  /** Streams not yet ended, for close(). */
  readonly #open = new Set<AsyncGenerator<unknown[][]>>()
  readonly logParams: boolean
  #closed = false

  constructor(
    backends: ReadonlyMap<string, Backend>,
    owner: object,
    options: { logParams?: boolean | undefined; interceptors?: readonly Interceptor[] | undefined } = {},
  ) {
    this.backends = backends
    this.#eventProto = Object.freeze({ database: owner })
    this.logParams = options.logParams ?? false
    this.transactions = new Transactions(this)
    for (const i of options.interceptors ?? []) this.intercept(i)
  }

  /** Add an interceptor around every statement (see `Interceptor`). Returns a function that removes it. */
  intercept(interceptor: Interceptor): () => void {
    if (typeof interceptor !== 'function')
      throw new InvalidValueError('intercept() takes a function (statement, next) => result.')
    this.#interceptors.push(interceptor)
    return () => {
      const i = this.#interceptors.indexOf(interceptor)
      if (i >= 0) this.#interceptors.splice(i, 1)
    }
  }

  backend(alias: string): Backend {
    const b = this.backends.get(alias)
    if (!b)
      throw new ImproperlyConfigured(`No database '${alias}'. Configured: ${[...this.backends.keys()].join(', ')}.`)
    return b
  }

  rows(
    alias: string,
    q: CompiledQuery,
    values: readonly unknown[],
    info: RunInfo,
    options?: QueryOptions,
  ): Promise<unknown[][]> {
    return this.#run(alias, q, bindParams(q, values), info, 'rows', reader(options), length)
  }

  /**
   * `rows(…).then(then)` in one promise reaction on the hot path (no interceptors, nobody listening): `get()` by
   * key maps its row there. `then`'s own errors reject as they are (they are not the driver's).
   */
  rowsThen<R>(
    alias: string,
    q: CompiledQuery,
    values: readonly unknown[],
    info: RunInfo,
    options: QueryOptions | undefined,
    then: (rows: unknown[][]) => R | Promise<R>,
  ): Promise<R> {
    if (this.#closed || this.#interceptors.length !== 0 || queryChannel.hasSubscribers)
      return this.rows(alias, q, values, info, options).then(then)
    let params: unknown[]
    try {
      params = bindParams(q, values)
    } catch (e) {
      return Promise.reject(e)
    }
    return this.#dispatch(alias, q.sql, params, reader(options), undefined, then)
  }

  objects(
    alias: string,
    q: CompiledQuery,
    values: readonly unknown[],
    info: RunInfo,
  ): Promise<Record<string, unknown>[]> {
    return this.#run(alias, q, bindParams(q, values), info, 'objects', readObjects, length)
  }

  write(alias: string, q: CompiledQuery, values: readonly unknown[], info: RunInfo): Promise<RunResult> {
    return this.#run(alias, q, bindParams(q, values), info, 'write', runWrite, rowCount)
  }

  /** Statements without parameters (DDL, transaction control). */
  async exec(alias: string, sql: string, kind: StatementKind, conn?: Connection): Promise<void> {
    await this.#run(
      alias,
      { sql, bind: [], tables: [] },
      [],
      { kind },
      'none',
      (c, s) => c.exec(s),
      () => 0,
      conn,
    )
  }

  /**
   * Stream rows in chunks (server-side cursor or the driver's iterator); `undefined` if the backend cannot. A stream
   * gives its connection back when the loop ends or stops (`break`, `return()`, an error); when the iterator is
   * dropped without either, when it is garbage collected; and at the latest on `close()`.
   */
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
    return {
      [Symbol.asyncIterator]: () => {
        if (this.#closed) throw closedError()
        const rows = this.#streamRows(alias, backend, tx, q, params, chunkSize, info, options)
        this.#open.add(rows)
        let finished = false
        /** The rows ran out (not: the stream was ended early). */
        let exhausted = false
        const settle = (r: IteratorResult<unknown[][]>) => {
          if (r.done && !finished) {
            finished = true
            this.#open.delete(rows)
            abandoned.unregister(handle)
          }
          return r
        }
        const handle: AsyncIterator<unknown[][]> = {
          // After close() a stream that was cut short says so, rather than end as if its rows had run out.
          next: () =>
            this.#closed && !exhausted
              ? Promise.reject(closedError())
              : rows.next().then((r) => {
                  if (r.done) exhausted = true
                  return settle(r)
                }),
          return: (v?: unknown) => rows.return(v as undefined).then(settle),
          throw: (e?: unknown) => rows.throw(e).then(settle),
        }
        // Held by the loop that iterates; `rows` (what the registry keeps) does not refer back to it.
        abandoned.register(handle, rows, handle)
        return handle
      },
    }
  }

  async *#streamRows(
    alias: string,
    backend: Backend,
    tx: TxState | undefined,
    q: CompiledQuery,
    params: readonly unknown[],
    chunkSize: number,
    info: RunInfo,
    options: QueryOptions | undefined,
  ): AsyncGenerator<unknown[][]> {
    // A pool lends the stream a connection of its own. A single connection (SQLite) is shared instead: an
    // exclusive lease would make every query run inside the loop wait for the loop to end (a deadlock); a
    // reading statement may share its connection with others. It still waits for someone else's transaction.
    const shared = !tx && !backend.features.hasConnectionPool
    let lease: Lease | null = null
    let conn: Connection | undefined = tx?.lease.conn
    try {
      if (shared) conn = await backend.withConnection((c) => c)
      else if (!tx) {
        const stack = captureStack()
        conn = (lease = await backend.acquire({ purpose: 'iterator', site: () => siteOf(stack) ?? siteOf(info.site) }))
          .conn
      }
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
      if (queryChannel.hasSubscribers) this.#publish(alias, backend, q, params, info, started, count, site, error)
    }
  }

  /** `#run` through the interceptors: they see the statement, and may answer it. */
  #intercepted<T>(
    alias: string,
    q: CompiledQuery,
    params: readonly unknown[],
    info: RunInfo,
    returns: keyof StatementResults,
    fn: (c: Connection, sql: string, params: readonly unknown[]) => T | Promise<T>,
    count: (r: T) => number,
    conn?: Connection,
  ): Promise<T> {
    const backend = this.backend(alias)
    const tx = this.transactions.current(alias)
    const statement: Statement = {
      sql: q.sql,
      params,
      tables: q.tables,
      kind: info.kind,
      access: info.kind === 'select' ? 'read' : 'write',
      returns,
      shapeKey: q.shapeKey,
      model: info.model,
      alias,
      vendor: backend.vendor,
      transaction: tx?.info,
      epochColumns: q.epochColumns,
    }
    const run = () => this.#run(alias, q, params, info, null, fn, count, conn) as Promise<StatementResult>
    return intercept(this.#interceptors, statement, run) as Promise<T>
  }

  /**
   * Run one statement. The hot path (no interceptors, nobody listening for events) is not an async function: the
   * driver's promise with one reaction that translates its errors, or, for a synchronous driver, its result in a
   * resolved promise. W4's 10,000 gets allocated an async frame each here (bench/notes.md).
   */
  #run<T>(
    alias: string,
    q: CompiledQuery,
    params: readonly unknown[],
    info: RunInfo,
    /** What it returns, for interceptors; `null` once they have seen it. */
    returns: keyof StatementResults | null,
    fn: (c: Connection, sql: string, params: readonly unknown[]) => T | Promise<T>,
    count: (r: T) => number,
    conn?: Connection,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(closedError())
    if ((returns !== null && this.#interceptors.length !== 0) || queryChannel.hasSubscribers)
      return this.#runObserved(alias, q, params, info, returns, fn, count, conn)
    return this.#dispatch(alias, q.sql, params, fn, conn)
  }

  /**
   * The hot path's statement: on the transaction's or an idle connection (else one from the pool), driver errors
   * translated in the one reaction that also applies `then` (whose own errors reject as they are).
   */
  #dispatch<T, R = T>(
    alias: string,
    sql: string,
    params: readonly unknown[],
    fn: (c: Connection, sql: string, params: readonly unknown[]) => T | Promise<T>,
    conn: Connection | undefined,
    then?: (r: T) => R | Promise<R>,
  ): Promise<R> {
    let backend: Backend
    try {
      backend = this.backend(alias)
    } catch (e) {
      return Promise.reject(e)
    }
    let r: T | Promise<T>
    try {
      const c = conn ?? this.tx(alias)?.lease.conn ?? backend.idleConnection?.()
      r = c ? fn(c, sql, params) : backend.withConnection((x) => fn(x, sql, params))
    } catch (e) {
      return Promise.reject(backend.translateError(e, sql))
    }
    if (r instanceof Promise)
      return r.then(then, (e: unknown) => {
        throw backend.translateError(e, sql)
      }) as Promise<R>
    if (!then) return Promise.resolve(r as unknown as R)
    try {
      return Promise.resolve(then(r))
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** `#run` with interceptors or event subscribers: an async function, timing the statement and publishing it. */
  async #runObserved<T>(
    alias: string,
    q: CompiledQuery,
    params: readonly unknown[],
    info: RunInfo,
    /** What it returns, for interceptors; `null` once they have seen it. */
    returns: keyof StatementResults | null,
    fn: (c: Connection, sql: string, params: readonly unknown[]) => T | Promise<T>,
    count: (r: T) => number,
    conn?: Connection,
  ): Promise<T> {
    if (this.#closed) throw closedError()
    if (returns !== null && this.#interceptors.length !== 0)
      return this.#intercepted(alias, q, params, info, returns, fn, count, conn)
    const backend = this.backend(alias)
    const listening = queryChannel.hasSubscribers
    // The call site is read before the first await, while the caller's frames are still on the stack.
    const site = listening ? (callSite() ?? siteOf(info.site)) : undefined
    const started = listening ? performance.now() : 0
    const sql = q.sql
    let result: T
    try {
      const c = conn ?? this.tx(alias)?.lease.conn ?? backend.idleConnection?.()
      const r = c ? fn(c, sql, params) : backend.withConnection((x) => fn(x, sql, params))
      result = r instanceof Promise ? await r : (r as T)
    } catch (e) {
      const err = backend.translateError(e, sql)
      if (listening) this.#publish(alias, backend, q, params, info, started, 0, site, err)
      throw err
    }
    if (listening) this.#publish(alias, backend, q, params, info, started, count(result), site)
    return result
  }

  #publish(
    alias: string,
    backend: Backend,
    q: CompiledQuery,
    params: readonly unknown[],
    info: RunInfo,
    started: number,
    rowCount: number,
    site: string | undefined,
    error?: Error,
  ): void {
    const event = {
      __proto__: this.#eventProto,
      sql: q.sql,
      durationMs: performance.now() - started,
      rowCount,
      callSite: site,
      alias,
      vendor: backend.vendor,
      kind: info.kind,
      tables: q.tables,
      model: info.model,
    } as unknown as QueryEvent
    if (q.shapeKey !== undefined) event.shapeKey = q.shapeKey
    const contextId = queryContextId()
    if (contextId !== undefined) event.contextId = contextId
    if (this.logParams) event.params = params
    if (error) event.error = { name: error.name, code: (error as { code?: string }).code, message: error.message }
    queryChannel.publish(event)
  }

  // ---- transactions (engine/transactions.ts) ----------------------------------------------------------------

  /** The transaction open on `alias` in the current async context. */
  tx(alias: string): TxState | undefined {
    return this.transactions.current(alias)
  }
  /** The alias of a transaction open in this async context, if any (no allocation: on every read). */
  firstTransaction(): string | undefined {
    return this.transactions.first()
  }
  /** See `Transactions.atomic`. */
  atomic<T>(alias: string, fn: () => Promise<T> | T): Promise<T> {
    return this.transactions.atomic(alias, fn)
  }
  /** See `Transactions.onCommit`. */
  onCommit(alias: string, cb: () => unknown): Promise<void> {
    return this.transactions.onCommit(alias, cb)
  }

  /**
   * Close every connection. Open streams are ended first (their connections given back); a stream in the middle of
   * reading a chunk is waited for at most `STREAM_CLOSE_MS`, so close() never waits on a loop that was abandoned.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const ending = [...this.#open].map((rows) => rows.return(undefined).catch(() => {}))
    this.#open.clear()
    if (ending.length) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([Promise.all(ending), new Promise((r) => (timer = setTimeout(r, STREAM_CLOSE_MS)))])
      clearTimeout(timer)
    }
    for (const b of this.backends.values()) await b.close()
  }
}
