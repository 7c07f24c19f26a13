import { ImproperlyConfigured } from '../../errors.ts'
import type { Connection, Lease } from '../backend.ts'
import { BaseBackend } from '../base-backend.ts'
import type { BackendOptions } from '../create-backend.ts'
import type { LeaseOwner } from '../lease-book.ts'
import { SingleConnectionPool } from '../single-connection-pool.ts'
import { SqliteConnection } from './sqlite-driver.ts'
import { translateSqliteError } from './sqlite-errors.ts'
import { SqliteFeatures } from './sqlite-features.ts'
import { SqliteIntrospector } from './sqlite-introspector.ts'
import { SqliteOperations } from './sqlite-operations.ts'
import { SqliteSchemaEditor } from './sqlite-schema-editor.ts'

/** `sqlite::memory:` → `:memory:`, `sqlite:./app.db` → `./app.db`, `sqlite:///abs/path.db` → `/abs/path.db`. */
export function sqlitePath(url: string): string {
  const rest = url.replace(/^sqlite:/, '')
  if (rest === ':memory:' || rest === '') return ':memory:'
  if (rest.startsWith('//')) return rest.slice(2)
  return rest
}

export class SqliteBackend extends BaseBackend<SqliteFeatures, SqliteOperations, SqliteSchemaEditor> {
  readonly vendor = 'sqlite'
  readonly introspector: SqliteIntrospector
  readonly #conn: SqliteConnection
  readonly #pool: SingleConnectionPool

  constructor(url: string, pool: BackendOptions = {}) {
    if (pool.isolationLevel !== undefined && pool.isolationLevel !== 'serializable')
      throw new ImproperlyConfigured(
        `SQLite transactions are always serializable; isolationLevel '${pool.isolationLevel}' cannot be set. Leave it out or use 'serializable'.`,
      )
    super({
      features: new SqliteFeatures(),
      ops: new SqliteOperations(),
      schemaEditor: SqliteSchemaEditor,
      translate: translateSqliteError,
    })
    try {
      this.#conn = new SqliteConnection(sqlitePath(url), {
        wal: pool.sqlite?.wal,
        busyTimeoutMs: pool.sqlite?.busyTimeoutMs,
      })
    } catch (e) {
      throw translateSqliteError(e, undefined)
    }
    this.#pool = new SingleConnectionPool(this.#conn, pool)
    this.introspector = new SqliteIntrospector(() => this.#conn)
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
  }
}
