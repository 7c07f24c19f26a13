import type {
  FieldPacket,
  QueryOptions as MysqlQueryOptions,
  PoolConnection,
  QueryError,
  ResultSetHeader,
} from 'mysql2'
import type { Connection, RunResult } from '../backend.ts'

/** The server cannot prepare this statement (`ANALYZE SELECT …` on some versions): send it as text instead. */
const ER_UNSUPPORTED_PS = 1295

type Result = unknown[][] | Record<string, unknown>[] | ResultSetHeader

/**
 * One pooled `mysql2` connection. Statements go through `execute` (server-side prepared, cached per connection by
 * the driver) and rows come back as arrays.
 */
export class MysqlConnection implements Connection {
  readonly conn: PoolConnection

  constructor(conn: PoolConnection) {
    this.conn = conn
  }

  #execute(options: MysqlQueryOptions): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.conn.execute(options, (err: QueryError | null, result: unknown, _fields?: FieldPacket[]) => {
        if (!err) resolve(result as Result)
        else if (err.errno === ER_UNSUPPORTED_PS) this.#query(options).then(resolve, reject)
        else reject(err)
      })
    })
  }

  #query(options: MysqlQueryOptions): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.conn.query(options, (err: QueryError | null, result: unknown) =>
        err ? reject(err) : resolve(result as Result),
      )
    })
  }

  async rows(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    return (await this.#execute({ sql, values: params as unknown[], rowsAsArray: true })) as unknown[][]
  }

  async objects(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const r = await this.#execute({ sql, values: params as unknown[] })
    // A raw statement that returns no rows (an UPDATE through db.query) gives a header, not rows.
    return Array.isArray(r) ? (r as Record<string, unknown>[]) : []
  }

  async run(sql: string, params: readonly unknown[]): Promise<RunResult> {
    const r = await this.#execute({ sql, values: params as unknown[] })
    if (Array.isArray(r)) return { rowCount: r.length }
    return { rowCount: r.affectedRows, insertId: r.insertId || undefined }
  }

  /** Text protocol: transaction control and DDL cannot all be prepared. */
  async exec(sql: string): Promise<void> {
    await this.#query({ sql })
  }
}
