import pg from 'pg'
import type { Connection, QueryOptions, RunResult } from '../backend.ts'

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
export const numberTypes = {
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
export class PostgresConnection implements Connection {
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
