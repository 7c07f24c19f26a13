import postgres from 'postgres'
import { OperationalError } from '../../errors.ts'
import type { Connection, Lease } from '../backend.ts'
import { BaseBackend } from '../base-backend.ts'
import type { BackendOptions } from '../create-backend.ts'
import { bounded, DEFAULT_ACQUIRE_TIMEOUT_MS, LeaseBook, type LeaseOwner } from '../lease-book.ts'
import { Activity, PostgresConnection, pgTypes, reserve } from './postgres-driver.ts'
import { translatePostgresError } from './postgres-errors.ts'
import { PostgresFeatures } from './postgres-features.ts'
import { PostgresIntrospector } from './postgres-introspector.ts'
import { PostgresOperations } from './postgres-operations.ts'
import { PostgresSchemaEditor } from './postgres-schema-editor.ts'

type Sql = postgres.Sql<Record<string, never>>

/**
 * PostgreSQL through `postgres` (postgres.js): its own pool per database, which pipelines statements on a connection
 * when there are more of them than connections; statements prepared once per connection; rows as arrays.
 * A transaction or a stream reserves one connection (`sql.reserve()`). `postgres://user:pw@host:5432/db` (also
 * `postgresql://`, with query options such as `sslmode`).
 */
export class PostgresBackend extends BaseBackend<PostgresFeatures, PostgresOperations, PostgresSchemaEditor> {
  readonly vendor = 'postgres'
  readonly introspector = new PostgresIntrospector((fn) => this.withConnection(fn))
  readonly #sql: Sql
  /** The pool as one `Connection`: every statement outside a transaction goes through it. */
  readonly #pooled: PostgresConnection
  readonly #activity: Activity
  readonly #book = new LeaseBook()
  readonly #max: number
  readonly #acquireTimeoutMs: number
  /** Statements waiting for a reserved connection to come back (every connection of the pool is reserved). */
  #waiting: (() => void)[] = []

  constructor(url: string, pool: BackendOptions = {}) {
    super({
      features: new PostgresFeatures(),
      ops: new PostgresOperations(),
      schemaEditor: PostgresSchemaEditor,
      translate: translatePostgresError,
    })
    this.#max = pool.max ?? 10
    this.#acquireTimeoutMs = pool.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS
    // quarry times idle connections itself (postgres-driver.ts, IdleTimer): postgres.js's own timeout makes and
    // clears a timer on every statement.
    this.#activity = new Activity(pool.idleTimeoutMs ?? 30_000)
    this.#sql = postgres(url, {
      max: this.#max,
      idle_timeout: 0,
      connect_timeout: (pool.connectTimeoutMs ?? 10_000) / 1000,
      prepare: true,
      types: pgTypes,
      transform: { undefined: null },
      connection: {
        application_name: 'quarry',
        ...(pool.isolationLevel && { default_transaction_isolation: pool.isolationLevel }),
      },
      // Notices (e.g. "there is no transaction in progress") are not errors; postgres.js would print them.
      onnotice: () => {},
    }) as unknown as Sql
    this.#pooled = new PostgresConnection(this.#sql, this.#activity)
  }

  /** Open one connection now, so a wrong URL or a server that is down fails `connect()` rather than a first query. */
  async check(): Promise<void> {
    await this.#pooled.exec('SELECT 1')
  }

  /**
   * One connection to itself, until released: for a transaction or a stream. postgres.js would wait for a free
   * connection forever; the wait is bounded here, and a connection that arrives after it gave up is handed back.
   */
  async acquire(owner?: LeaseOwner): Promise<Lease> {
    const conn = await bounded(
      reserve(this.#sql, this.#activity),
      this.#acquireTimeoutMs,
      () => this.#timeout(),
      (late) => late.release(false),
    )
    const end = this.#book.hold(owner)
    let done = false
    return {
      conn,
      release: (broken) => {
        if (done) return
        done = true
        end()
        conn.release(broken === true)
        for (const wake of this.#waiting.splice(0)) wake()
      },
    }
  }

  #timeout(): Error {
    if (this.#book.size >= this.#max) return this.#book.exhausted('PostgreSQL', this.#max, this.#acquireTimeoutMs)
    return new OperationalError(
      `Could not open a PostgreSQL connection within ${this.#acquireTimeoutMs} ms (pool.acquireTimeoutMs).`,
      { vendorCode: 'POOL_TIMEOUT' },
    )
  }

  /**
   * The pool takes statements at once (it queues or pipelines them itself), so the executor need not wait; unless
   * every connection is reserved, when postgres.js would queue the statement until one is released, maybe forever.
   */
  idleConnection(): Connection | undefined {
    return this.#book.size < this.#max ? this.#pooled : undefined
  }

  async withConnection<T>(fn: (c: Connection) => T | Promise<T>): Promise<T> {
    if (this.#book.size >= this.#max)
      await bounded(
        new Promise<void>((r) => this.#waiting.push(r)),
        this.#acquireTimeoutMs,
        () => this.#book.exhausted('PostgreSQL', this.#max, this.#acquireTimeoutMs),
        () => {},
      )
    return fn(this.#pooled)
  }

  /** Waits (at most `acquireTimeoutMs`) for running statements and reserved connections, then closes every connection. */
  async close(): Promise<void> {
    // Bounded: a connection held by code that never gives it back must not keep close() waiting forever.
    await bounded(
      this.#activity.idle(),
      this.#acquireTimeoutMs,
      () => new OperationalError('close'),
      () => {},
    ).catch(() => {})
    // Nothing is running: end at once (postgres.js's graceful end never finishes for a connection lost mid-statement).
    await this.#sql.end({ timeout: 0 })
  }
}
