// quarry's PostgreSQL backend on `pg` (node-postgres), as it shipped before the switch to postgres.js: kept only for the
// driver comparison (run.ts). Same features, operations, compiler and error translation as src/backends/postgres/.
import pg from 'pg'
import type { Backend, Connection, Lease, QueryOptions, RunResult } from '../../src/backends/backend.ts'
import type { PoolOptions } from '../../src/backends/create-backend.ts'
import { translatePostgresError } from '../../src/backends/postgres/postgres-errors.ts'
import { PostgresFeatures } from '../../src/backends/postgres/postgres-features.ts'
import { PostgresIntrospector } from '../../src/backends/postgres/postgres-introspector.ts'
import { PostgresOperations } from '../../src/backends/postgres/postgres-operations.ts'
import { PostgresSchemaEditor } from '../../src/backends/postgres/postgres-schema-editor.ts'
import type { Field } from '../../src/model/fields/field.ts'
import { SqlCompiler } from '../../src/sql/compiler/sql-compiler.ts'

/** Statement names by SQL text, shared by every connection (each prepares a name on first use). */
const names = new Map<string, string>()
/** Past this many distinct texts, statements run unnamed: raw SQL with ever-changing text must not grow caches. */
const MAX_NAMED = 5000

function statementName(sql: string): string | undefined {
  let name = names.get(sql)
  if (name === undefined && names.size < MAX_NAMED) names.set(sql, (name = `q${names.size}`))
  return name
}

const INT8 = 20
const DATE = 1082
const TIMESTAMP = 1114

/** int8 as `number` (ids, counts), dates as 'YYYY-MM-DD', timestamps without zone as UTC. */
const numberTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (v: string) => Number(v)
    if (oid === DATE) return (v: string) => v
    if (oid === TIMESTAMP) return (v: string) => new Date(`${v.replace(' ', 'T')}Z`)
    return pg.types.getTypeParser(oid, format ?? 'text')
  },
}
/** The same with int8 as `bigint`, for queries that select a `bigint` field. */
const bigintTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (v: string) => BigInt(v)
    return numberTypes.getTypeParser(oid, format)
  },
}

let cursors = 0

/**
 * One pooled `pg` client. Every statement is a named prepared statement (parsed once per connection, then only
 * bound and executed) and rows come back as arrays.
 */
class PgConnection implements Connection {
  readonly client: pg.PoolClient
  /** Transaction status from the last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' failed one. */
  #txStatus = 'I'

  constructor(client: pg.PoolClient) {
    this.client = client
    // A connection that dies while checked out (pg_terminate_backend mid-query) fails its query and then also
    // emits 'error' on the client; unhandled, that event would crash the process. The failed query reports it.
    client.on('error', () => {})
    const wire = (client as unknown as { connection: NodeJS.EventEmitter }).connection
    wire.on('readyForQuery', (m: { status: string }) => {
      this.#txStatus = m.status
    })
  }

  get inTransaction(): boolean {
    return this.#txStatus !== 'I'
  }

  async rows(sql: string, params: readonly unknown[], options?: QueryOptions): Promise<unknown[][]> {
    const r = await this.client.query({
      name: statementName(sql),
      text: sql,
      values: params as unknown[],
      rowMode: 'array',
      types: options?.bigints ? bigintTypes : numberTypes,
    })
    return r.rows
  }

  async objects(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const r = await this.client.query({ name: statementName(sql), text: sql, values: params as unknown[] })
    return r.rows
  }

  async run(sql: string, params: readonly unknown[]): Promise<RunResult> {
    const r = await this.client.query({
      name: statementName(sql),
      text: sql,
      values: params as unknown[],
      rowMode: 'array',
    })
    return { rowCount: r.rowCount ?? 0 }
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql)
  }

  /**
   * A server-side cursor (`DECLARE … CURSOR` / `FETCH`): memory stays bounded by `chunkSize`, and other queries can
   * run on this connection between chunks. A cursor lives in a transaction, so one is opened when none is.
   */
  async *stream(
    sql: string,
    params: readonly unknown[],
    chunkSize: number,
    options?: QueryOptions,
  ): AsyncIterable<unknown[][]> {
    const own = !this.inTransaction
    const cursor = `quarry_cursor_${++cursors}`
    const types = options?.bigints ? bigintTypes : numberTypes
    let ok = false
    if (own) await this.client.query('BEGIN READ ONLY')
    try {
      await this.client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, values: params as unknown[] })
      for (;;) {
        const r = await this.client.query({
          text: `FETCH FORWARD ${chunkSize} FROM ${cursor}`,
          rowMode: 'array',
          types,
        })
        if (r.rows.length) yield r.rows
        if (r.rows.length < chunkSize) break
      }
      await this.client.query(`CLOSE ${cursor}`)
      ok = true
    } finally {
      // Early exit (break) or error: the transaction we opened ends here; a caller's transaction keeps the cursor
      // until it ends.
      if (own) await this.client.query(ok ? 'COMMIT' : 'ROLLBACK').catch(() => {})
      else if (!ok && this.#txStatus === 'T') await this.client.query(`CLOSE ${cursor}`).catch(() => {})
    }
  }
}

/** A driver error without SQLSTATE means the connection itself failed: do not put it back in the pool. */
const isConnectionError = (e: unknown) =>
  typeof (e as { code?: unknown })?.code !== 'string' || /^(08|57P)/.test((e as { code: string }).code)

/**
 * PostgreSQL through `pg` (node-postgres): a pool per database, named prepared statements per connection, rows
 * as arrays.
 */
export class PgBackend implements Backend {
  readonly vendor = 'postgres'
  readonly features = new PostgresFeatures()
  readonly ops = new PostgresOperations()
  readonly compiler = new SqlCompiler(this.ops, this.features)
  readonly schemaEditor = new PostgresSchemaEditor(this.ops, this.features, this.compiler)
  readonly introspector = new PostgresIntrospector((fn) => this.withConnection(fn))
  readonly #pool: pg.Pool
  readonly #conns = new WeakMap<pg.PoolClient, PgConnection>()

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
    if (!conn) this.#conns.set(client, (conn = new PgConnection(client)))
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
