import mysql, { type Pool, type PoolConnection } from 'mysql2'
import { ImproperlyConfigured, OperationalError } from '../../errors.ts'
import type { Connection, Lease } from '../backend.ts'
import { BaseBackend } from '../base-backend.ts'
import type { BackendOptions, IsolationLevel } from '../create-backend.ts'
import { bounded, DEFAULT_ACQUIRE_TIMEOUT_MS, LeaseBook, type LeaseOwner } from '../lease-book.ts'
import { MysqlConnection } from './mysql-driver.ts'
import { translateMysqlError } from './mysql-errors.ts'
import { MysqlFeatures, type MysqlServer } from './mysql-features.ts'
import { MysqlIntrospector } from './mysql-introspector.ts'
import { MysqlOperations } from './mysql-operations.ts'
import { MysqlSchemaEditor } from './mysql-schema-editor.ts'

/**
 * Every session: UTC (DATETIME has no zone; NOW() and the driver must agree) and a strict, predictable SQL mode
 * whatever the server's defaults (backslash escapes on, which `literal()` relies on).
 */
const SESSION_SETUP =
  "SET time_zone = '+00:00', sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE'"

/**
 * READ COMMITTED unless configured otherwise, as Django since 2.0: InnoDB's REPEATABLE READ keeps a transaction's
 * first snapshot, so the read that follows a losing INSERT (getOrCreate under concurrency) finds nothing.
 */
const isolation = (level: IsolationLevel | undefined) =>
  `SET SESSION TRANSACTION ISOLATION LEVEL ${(level ?? 'read committed').toUpperCase()}`

/** Per connection; the server caps all connections together (`max_prepared_stmt_count`, 16 382 by default). */
const PREPARED_PER_CONNECTION = 512

/** A fatal driver error (lost connection, killed session) means the connection must not go back to the pool. */
const isConnectionError = (e: unknown) =>
  (e as { fatal?: boolean })?.fatal === true || typeof (e as { errno?: unknown })?.errno !== 'number'

/**
 * Out of the pool and closed at once. mysql2's `destroy` only half-closes the socket, which a server blocked on
 * sending a result (a stream stopped early) would not notice until `net_write_timeout`.
 */
function destroy(c: PoolConnection, conn: MysqlConnection): void {
  conn.closeStream()
  c.destroy()
  ;(c as unknown as { stream?: { destroy?(): void } }).stream?.destroy?.()
}

/** `mysql://user:pw@host:3306/db` (or `mariadb://`) → mysql2 pool options. */
function poolConfig(url: string, pool: BackendOptions): mysql.PoolOptions {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new ImproperlyConfigured('Invalid MySQL URL. Use mysql://user:password@host:3306/database.')
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''))
  if (!database)
    throw new ImproperlyConfigured('The MySQL URL names no database. Use mysql://user:password@host:3306/database.')
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
    database,
    connectionLimit: pool.max ?? 10,
    maxIdle: pool.max ?? 10,
    idleTimeout: pool.idleTimeoutMs ?? 30_000,
    connectTimeout: pool.connectTimeoutMs ?? 10_000,
    waitForConnections: true,
    charset: 'utf8mb4',
    timezone: 'Z',
    supportBigNumbers: true,
    // DATETIME as text too: mysql2 would read years 0001–0099 as 1901–1999 (MysqlOperations.fromDb parses them).
    dateStrings: ['DATE', 'DATETIME', 'TIMESTAMP'],
    jsonStrings: true,
    maxPreparedStatements: PREPARED_PER_CONNECTION,
    enableKeepAlive: true,
  }
}

/** mysql2's list of idle pool connections (3.x, `Pool._freeConnections`). */
interface FreeList {
  readonly length: number
  get(i: number): { lastActiveTime: number; destroy(): void }
}

/**
 * MySQL 8 and MariaDB 10.5+ through `mysql2`: a pool per database, prepared statements through `execute`, rows as
 * arrays, `iterator()` streamed with backpressure on a leased connection. Flags that differ between MySQL and MariaDB are read from the server's version when it connects.
 */
export class MysqlBackend extends BaseBackend<MysqlFeatures, MysqlOperations, MysqlSchemaEditor> {
  readonly vendor = 'mysql'
  readonly introspector = new MysqlIntrospector((fn) => this.withConnection(fn))
  readonly #pool: Pool
  readonly #conns = new WeakMap<PoolConnection, MysqlConnection>()
  #closed: Promise<void> | null = null
  readonly #book = new LeaseBook()
  readonly #max: number
  readonly #acquireTimeoutMs: number
  /** Closes connections idle for `idleTimeoutMs` (unref'd: it never keeps a process alive). */
  readonly #reaper: ReturnType<typeof setInterval> | undefined

  /**
   * Connect (one connection, to read the server version) and build the backend.
   *
   * @example
   * const backend = await MysqlBackend.open('mysql://root@127.0.0.1:3306/test', { max: 20 })
   */
  static async open(url: string, pool: BackendOptions = {}): Promise<MysqlBackend> {
    const p = mysql.createPool(poolConfig(url, pool))
    // Queued ahead of the first statement on every new connection; a failure shows on that statement.
    const setIsolation = isolation(pool.isolationLevel)
    p.on('connection', (c) => {
      c.query(SESSION_SETUP, () => {})
      c.query(setIsolation, () => {})
    })
    let server: MysqlServer
    try {
      const version = await new Promise<string>((resolve, reject) =>
        p.query({ sql: 'SELECT VERSION()', rowsAsArray: true }, (err, rows) =>
          err ? reject(err) : resolve(String((rows as unknown[][])[0]![0])),
        ),
      )
      const [, major = '0', minor = '0'] = /^(\d+)\.(\d+)/.exec(version) ?? []
      server = { mariadb: /mariadb/i.test(version), version: [Number(major), Number(minor)] }
    } catch (e) {
      await new Promise((r) => p.end(r))
      throw translateMysqlError(e, undefined)
    }
    return new MysqlBackend(p, server, pool)
  }

  private constructor(pool: Pool, server: MysqlServer, options: BackendOptions) {
    super({
      features: new MysqlFeatures(server),
      ops: new MysqlOperations(server),
      schemaEditor: MysqlSchemaEditor,
      translate: translateMysqlError,
    })
    this.#pool = pool
    this.#max = options.max ?? 10
    this.#acquireTimeoutMs = options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS
    const idleMs = options.idleTimeoutMs ?? 30_000
    if (idleMs > 0) this.#reaper = setInterval(() => this.#reap(idleMs), Math.min(idleMs, 1000)).unref()
  }

  /**
   * Close the pool's connections idle for more than `idleMs`. mysql2 does this only for connections beyond its
   * `maxIdle` (it keeps `max` here), with a timer that holds the process open; its free list is oldest first, and a
   * destroyed connection leaves it.
   */
  #reap(idleMs: number): void {
    const free = (this.#pool as unknown as { _freeConnections?: FreeList })._freeConnections
    if (!free) return
    const now = Date.now()
    while (free.length > 0 && now - free.get(0).lastActiveTime > idleMs) free.get(0).destroy()
  }

  /**
   * A connection of the pool, until released. mysql2 would wait for a free connection forever; the wait is bounded
   * here, and a connection that arrives after it gave up goes straight back to the pool.
   */
  async acquire(owner?: LeaseOwner): Promise<Lease> {
    const c = await bounded(
      new Promise<PoolConnection>((resolve, reject) =>
        this.#pool.getConnection((err, c) => (err ? reject(err) : resolve(c))),
      ),
      this.#acquireTimeoutMs,
      () =>
        this.#book.size >= this.#max
          ? this.#book.exhausted('MySQL', this.#max, this.#acquireTimeoutMs)
          : new OperationalError(
              `Could not open a MySQL connection within ${this.#acquireTimeoutMs} ms (pool.acquireTimeoutMs).`,
              { vendorCode: 'POOL_TIMEOUT' },
            ),
      (late) => late.release(),
    )
    let conn = this.#conns.get(c)
    if (!conn) this.#conns.set(c, (conn = new MysqlConnection(c)))
    const end = this.#book.hold(owner)
    let done = false
    return {
      conn,
      release: (broken) => {
        if (done) return
        done = true
        end()
        // A stream stopped before its end still has rows on the wire: close rather than read them all.
        if (broken || conn.streaming) destroy(c, conn)
        else c.release()
      },
    }
  }

  async withConnection<T>(fn: (c: Connection) => T | Promise<T>): Promise<T> {
    const lease = await this.acquire({ purpose: 'statement' })
    try {
      const r = await fn(lease.conn)
      lease.release()
      return r
    } catch (e) {
      lease.release(isConnectionError(e))
      throw e
    }
  }

  /** Closes idle connections and those released later; `end` waits for none, so callers finish their queries first. */
  close(): Promise<void> {
    clearInterval(this.#reaper)
    this.#closed ??= new Promise((resolve) => this.#pool.end(() => resolve()))
    return this.#closed
  }
}
