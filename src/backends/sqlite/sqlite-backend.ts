import { existsSync, realpathSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { ImproperlyConfigured } from '../../errors.ts'
import type { Connection, Lease } from '../backend.ts'
import { BaseBackend } from '../base-backend.ts'
import type { BackendOptions } from '../create-backend.ts'
import type { LeaseOwner } from '../lease-book.ts'
import { SingleConnectionPool } from '../single-connection-pool.ts'
import type { SqliteConnection, SqliteDriverName } from './sqlite-connection.ts'
import { translateSqliteError } from './sqlite-errors.ts'
import { SqliteFeatures } from './sqlite-features.ts'
import { SqliteIntrospector } from './sqlite-introspector.ts'
import { SqliteOperations } from './sqlite-operations.ts'
import { SqliteSchemaEditor } from './sqlite-schema-editor.ts'
import { checkDriver, parseSqliteUrl } from './sqlite-url.ts'

export class SqliteBackend extends BaseBackend<SqliteFeatures, SqliteOperations, SqliteSchemaEditor> {
  readonly vendor = 'sqlite'
  readonly introspector: SqliteIntrospector
  readonly #conn: SqliteConnection
  readonly #pool: SingleConnectionPool

  /**
   * Open the file of `url` with the driver it or `options.sqlite.driver` names (default node:sqlite). Drivers load
   * only when used: better-sqlite3 is an optional peer dependency.
   *
   * @example
   * await SqliteBackend.open('sqlite:./app.db?driver=better-sqlite3', {})
   */
  static async open(url: string, options: BackendOptions = {}): Promise<SqliteBackend> {
    if (options.isolationLevel !== undefined && options.isolationLevel !== 'serializable')
      throw new ImproperlyConfigured(
        `SQLite transactions are always serializable; isolationLevel '${options.isolationLevel}' cannot be set. Leave it out or use 'serializable'.`,
      )
    const { path, driver: fromUrl } = parseSqliteUrl(url)
    const fromOptions =
      options.sqlite?.driver === undefined ? undefined : checkDriver(options.sqlite.driver, 'in sqlite.driver')
    if (fromUrl && fromOptions && fromUrl !== fromOptions)
      throw new ImproperlyConfigured(
        `The SQLite URL asks for driver '${fromUrl}' and sqlite.driver for '${fromOptions}'. Name the driver in one place.`,
      )
    const driver: SqliteDriverName = fromUrl ?? fromOptions ?? 'node:sqlite'
    const file = claimFile(path, driver)
    const settings = { wal: options.sqlite?.wal, busyTimeoutMs: options.sqlite?.busyTimeoutMs }
    let conn: SqliteConnection
    try {
      if (driver === 'better-sqlite3') {
        const { BetterSqliteConnection, loadBetterSqlite3 } = await import('./better-sqlite3-driver.ts')
        const Driver = await loadBetterSqlite3()
        conn = opened(() => new BetterSqliteConnection(Driver, path, settings))
      } else {
        const { NodeSqliteConnection } = await import('./node-sqlite-driver.ts')
        conn = opened(() => new NodeSqliteConnection(path, settings))
      }
    } catch (e) {
      releaseFile(file)
      throw e
    }
    return new SqliteBackend(conn, options, file)
  }

  readonly #file: string | undefined
  #closed = false

  private constructor(conn: SqliteConnection, options: BackendOptions, file: string | undefined) {
    super({
      features: new SqliteFeatures(),
      ops: new SqliteOperations(),
      schemaEditor: SqliteSchemaEditor,
      translate: translateSqliteError,
    })
    this.#conn = conn
    this.#file = file
    this.#pool = new SingleConnectionPool(this.#conn, options)
    this.introspector = new SqliteIntrospector(() => this.#conn)
  }

  /** The driver this database runs on (`'node:sqlite'` or `'better-sqlite3'`). */
  get driver(): SqliteDriverName {
    return this.#conn.driver
  }

  acquire(owner?: LeaseOwner): Promise<Lease> {
    return this.#pool.acquire(owner)
  }
  idleConnection(): Connection | undefined {
    return this.#pool.idle()
  }
  withConnection<T>(fn: (c: Connection) => T | Promise<T>): Promise<T> {
    return this.#pool.run(fn)
  }
  async close(): Promise<void> {
    this.#conn.close()
    if (this.#closed) return
    this.#closed = true
    releaseFile(this.#file)
  }
}

/**
 * Files open in this process, by the driver that opened them. node:sqlite and better-sqlite3 each bundle their own
 * copy of SQLite, and two copies in one process do not see each other's locks (POSIX locks belong to the process):
 * writing one file through both can corrupt it (sqlite.org/howtocorrupt.html, 2.2.1). So a file is opened with one
 * driver at a time per process; connections of the same driver share SQLite's lock bookkeeping and are fine.
 */
const openFiles = new Map<string, { driver: SqliteDriverName; count: number }>()

/** Register `path` as open with `driver`: its key, or undefined for an in-memory database. */
function claimFile(path: string, driver: SqliteDriverName): string | undefined {
  if (path === ':memory:') return undefined
  const abs = resolve(path)
  // The same file by any name (a symlinked folder such as macOS's /tmp): the real path, of its folder while it does
  // not exist yet.
  const key = existsSync(abs)
    ? realpathSync(abs)
    : existsSync(dirname(abs))
      ? join(realpathSync(dirname(abs)), basename(abs))
      : abs
  const held = openFiles.get(key)
  if (held && held.driver !== driver)
    throw new ImproperlyConfigured(
      `The SQLite file ${path} is open in this process with ${held.driver}; opening it with ${driver} as well could corrupt it (the two drivers bundle separate copies of SQLite, which do not see each other's locks). Use one driver for a file within a process: close the other connection first, or name the same driver.`,
    )
  if (held) held.count++
  else openFiles.set(key, { driver, count: 1 })
  return key
}

function releaseFile(key: string | undefined): void {
  const held = key === undefined ? undefined : openFiles.get(key)
  if (held && --held.count === 0) openFiles.delete(key!)
}

/** Open a connection; a failure (a missing folder, a file that is not a database, a lock) as a quarry error. */
function opened(open: () => SqliteConnection): SqliteConnection {
  try {
    return open()
  } catch (e) {
    throw translateSqliteError(e, undefined)
  }
}
