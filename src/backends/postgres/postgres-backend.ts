import pg from 'pg'
import type { Field } from '../../model/fields/field.ts'
import { SqlCompiler } from '../../sql/compiler/sql-compiler.ts'
import type { Backend, Connection, Lease } from '../backend.ts'
import type { PoolOptions } from '../create-backend.ts'
import { numberTypes, PostgresConnection } from './postgres-driver.ts'
import { translatePostgresError } from './postgres-errors.ts'
import { PostgresFeatures } from './postgres-features.ts'
import { PostgresIntrospector } from './postgres-introspector.ts'
import { PostgresOperations } from './postgres-operations.ts'
import { PostgresSchemaEditor } from './postgres-schema-editor.ts'

/** A driver error without SQLSTATE means the connection itself failed: do not put it back in the pool. */
const isConnectionError = (e: unknown) =>
  typeof (e as { code?: unknown })?.code !== 'string' || /^(08|57P)/.test((e as { code: string }).code)

/**
 * PostgreSQL through `pg` (node-postgres): a pool per database, named prepared statements per connection, rows
 * as arrays. `postgres://user:pw@host:5432/db` (also `postgresql://`, with libpq query options such as `sslmode`).
 */
export class PostgresBackend implements Backend {
  readonly vendor = 'postgres'
  readonly features = new PostgresFeatures()
  readonly ops = new PostgresOperations()
  readonly compiler = new SqlCompiler(this.ops, this.features)
  readonly schemaEditor = new PostgresSchemaEditor(this.ops, this.features)
  readonly introspector = new PostgresIntrospector((fn) => this.withConnection(fn))
  readonly #pool: pg.Pool
  readonly #conns = new WeakMap<pg.PoolClient, PostgresConnection>()

  constructor(url: string, pool: PoolOptions = {}) {
    this.#pool = new pg.Pool({
      connectionString: url,
      max: pool.max ?? 10,
      idleTimeoutMillis: pool.idleTimeoutMs ?? 30_000,
      connectionTimeoutMillis: pool.connectTimeoutMs ?? 10_000,
      application_name: 'quarry',
      types: numberTypes,
      keepAlive: true,
    })
    // An idle connection that dies (server restart, pg_terminate_backend) is dropped by the pool; without a
    // listener the 'error' event would crash the process.
    this.#pool.on('error', () => {})
  }

  /** Open one connection now, so a wrong URL or a server that is down fails `connect()` rather than a first query. */
  async check(): Promise<void> {
    const lease = await this.acquire()
    lease.release()
  }

  async acquire(): Promise<Lease> {
    const client = await this.#pool.connect()
    let conn = this.#conns.get(client)
    if (!conn) this.#conns.set(client, (conn = new PostgresConnection(client)))
    let done = false
    return {
      conn,
      release: (broken) => {
        if (done) return
        done = true
        client.release(broken === true)
      },
    }
  }

  async withConnection<T>(fn: (c: Connection) => T | Promise<T>): Promise<T> {
    const lease = await this.acquire()
    try {
      const r = await fn(lease.conn)
      lease.release()
      return r
    } catch (e) {
      lease.release(isConnectionError(e))
      throw e
    }
  }

  translateError(error: unknown, sql: string | undefined): Error {
    return translatePostgresError(error, sql)
  }
  beginSql(): string {
    return 'BEGIN'
  }
  columnType(field: Field): string {
    return this.schemaEditor.columnType(field)
  }
  /** Waits for checked-out connections to come back, then closes them all. */
  async close(): Promise<void> {
    if (!this.#pool.ended && !this.#pool.ending) await this.#pool.end()
  }
}
