import type {
  FieldPacket,
  QueryOptions as MysqlQueryOptions,
  PoolConnection,
  Query,
  QueryError,
  ResultSetHeader,
} from 'mysql2'
import { OperationalError } from '../../errors.ts'
import type { Connection, RunResult } from '../backend.ts'
import { readDateTime } from '../datetime-text.ts'

/** The server cannot prepare this statement (`ANALYZE SELECT …` on some versions): send it as text instead. */
const ER_UNSUPPORTED_PS = 1295

type Result = unknown[][] | Record<string, unknown>[] | ResultSetHeader

/**
 * One result being streamed on a connection. mysql2 emits rows one by one while it parses packets; once `chunkSize`
 * rows are waiting, the connection is paused until the consumer takes them: mysql2 stops parsing (it keeps the raw
 * packets of the socket read in progress), the socket stops being read once its buffer is full, and the server
 * waits on TCP flow control. Memory stays at one chunk plus a few socket buffers.
 *
 * The server gives up on a client that reads nothing for `net_write_timeout` (60 s by default): a consumer that
 * spends longer than that on one chunk gets the stream rejected with a lost connection.
 */
class RowStream {
  readonly #conn: PoolConnection
  readonly #chunkSize: number
  #rows: unknown[][] = []
  #head = 0
  /** `stream`: bounded by the chunk size; `buffer`: another statement needs the connection, so read everything;
   * `discard`: the consumer stopped, rows are read and dropped. */
  #mode: 'stream' | 'buffer' | 'discard' = 'stream'
  #paused = false
  /** The connection was paused at least once, so socket events may be pending behind the result. */
  pausedOnce = false
  #ended = false
  #error: unknown = null
  #wake: (() => void) | null = null
  readonly ended: Promise<void>
  #resolveEnded!: () => void
  readonly #onConnError = (e: unknown) => this.#fail(e)

  constructor(conn: PoolConnection, chunkSize: number) {
    this.#conn = conn
    this.#chunkSize = chunkSize
    this.ended = new Promise((r) => (this.#resolveEnded = r))
    // A lost connection is reported on the connection, not on a query without a callback.
    conn.on('error', this.#onConnError)
  }

  /** Feed the rows of one statement (`execute`, or `query` when the server cannot prepare it). */
  attach(q: Query, retry?: (e: QueryError) => boolean): void {
    let rows = 0
    let failed = false
    // Listeners stay attached: mysql2 would throw an 'error' emitted on a query without one.
    q.on('result', (row) => {
      if (!Array.isArray(row) || this.#ended) return
      rows++
      if (this.#mode === 'discard') return
      this.#rows.push(row)
      if (this.#mode === 'stream' && this.#rows.length - this.#head >= this.#chunkSize) {
        this.#pause()
        this.#signal()
      }
    })
    q.on('error', (e) => {
      failed = true
      if (rows === 0 && retry?.(e)) return
      this.#fail(e)
    })
    q.on('end', () => {
      if (failed) return
      this.#finish(null)
    })
  }

  get done(): boolean {
    return this.#ended
  }

  /** The next chunk (at most `chunkSize` rows), or null at the end; rejects with the driver's error. */
  async next(): Promise<unknown[][] | null> {
    for (;;) {
      if (this.#error !== null) throw this.#error
      const waiting = this.#rows.length - this.#head
      if (waiting >= this.#chunkSize || (this.#ended && waiting > 0)) return this.#take()
      if (this.#ended) return null
      this.#resume()
      await new Promise<void>((r) => (this.#wake = r))
    }
  }

  #take(): unknown[][] {
    const size = this.#chunkSize
    let chunk: unknown[][]
    if (this.#head === 0 && this.#rows.length <= size) {
      chunk = this.#rows
      this.#rows = []
    } else {
      chunk = this.#rows.slice(this.#head, this.#head + size)
      this.#head += chunk.length
      if (this.#head === this.#rows.length) {
        this.#rows = []
        this.#head = 0
      }
    }
    if (this.#mode === 'stream' && this.#rows.length - this.#head < size) this.#resume()
    return chunk
  }

  /**
   * Read the rest so the connection can run something else: kept in memory for the consumer, or dropped if it
   * stopped. Resolves when the result has ended, whether or not it failed.
   */
  readToEnd(): Promise<void> {
    if (!this.#ended) {
      if (this.#mode === 'stream') this.#mode = 'buffer'
      this.#resume()
    }
    return this.ended
  }

  /** The consumer stopped: drop what is waiting and whatever still arrives (the connection stays paused). */
  abandon(): void {
    this.#mode = 'discard'
    this.#rows = []
    this.#head = 0
  }

  /** The connection is being destroyed: stop listening. */
  close(): void {
    this.#finish(new OperationalError('The connection was closed while rows were streaming.'), false)
  }

  #pause(): void {
    if (this.#paused) return
    this.#paused = true
    this.pausedOnce = true
    this.#conn.pause()
  }

  #resume(): void {
    if (!this.#paused) return
    this.#paused = false
    // Handles the packets queued while paused, synchronously; may pause again.
    this.#conn.resume()
  }

  #fail(e: unknown): void {
    this.#finish(e ?? new OperationalError('The connection failed while rows were streaming.'))
  }

  #finish(error: unknown, resume = true): void {
    if (this.#ended) return
    this.#ended = true
    this.#error = error
    if (error !== null) this.#rows = []
    this.#conn.removeListener('error', this.#onConnError)
    if (resume) this.#resume()
    this.#resolveEnded()
    this.#signal()
  }

  #signal(): void {
    const w = this.#wake
    this.#wake = null
    w?.()
  }
}

/** mysql2's column types of DATETIME and TIMESTAMP (`FieldPacket.columnType`). */
const DATETIME_TYPES = new Set([7, 12, 17, 18])

/**
 * Raw rows as objects (`db.query`): DATETIME columns arrive as text (see `dateStrings` in the backend) and become
 * Dates here, read as UTC over the full range. Rows as arrays are converted by the field mappers instead.
 */
function datesOf(result: Result, fields: FieldPacket[] | undefined): Result {
  if (!Array.isArray(result) || !fields) return result
  const names = fields.filter((f) => DATETIME_TYPES.has(f.columnType ?? -1)).map((f) => f.name)
  if (names.length === 0) return result
  for (const row of result as Record<string, unknown>[])
    for (const n of names) if (typeof row[n] === 'string') row[n] = readDateTime(row[n])
  return result
}

/**
 * One pooled `mysql2` connection. Statements go through `execute` (server-side prepared, cached per connection by
 * the driver) and rows come back as arrays.
 *
 * `stream` reads a prepared statement's result as it arrives (mysql2 has no server-side cursor), so the result
 * occupies the connection until its last row. Another statement on the same connection (inside a transaction) first
 * reads the rest: into memory while the consumer is still iterating, discarded once it stopped. Outside a
 * transaction, a stream stopped early has its connection destroyed by the lease rather than read to the end.
 */
export class MysqlConnection implements Connection {
  readonly conn: PoolConnection
  /** The result still arriving on this connection, if any. */
  #open: RowStream | null = null

  constructor(conn: PoolConnection) {
    this.conn = conn
  }

  /** A streamed result has not been read to its end: the connection cannot take another statement yet. */
  get streaming(): boolean {
    return this.#open !== null && !this.#open.done
  }

  /** Forget an unfinished stream before the connection is destroyed. */
  closeStream(): void {
    this.#open?.close()
    this.#open = null
  }

  /** Let an earlier stream's rows through before another statement is queued behind it. */
  async #settle(): Promise<void> {
    const open = this.#open
    if (!open) return
    await open.readToEnd()
    if (this.#open === open) this.#open = null
  }

  async *stream(sql: string, params: readonly unknown[], chunkSize: number): AsyncGenerator<unknown[][]> {
    if (this.#open) await this.#settle()
    const s = new RowStream(this.conn, chunkSize)
    this.#open = s
    const options: MysqlQueryOptions = { sql, values: params as unknown[], rowsAsArray: true }
    // Prepared (binary protocol) like `rows()`, so values convert the same; as text when the server cannot prepare it.
    try {
      s.attach(this.conn.execute(options), (e) => {
        if (e.errno !== ER_UNSUPPORTED_PS) return false
        s.attach(this.conn.query(options))
        return true
      })
    } catch (e) {
      // mysql2 rejects some parameters (undefined) before sending anything.
      s.close()
      this.#open = null
      throw e
    }
    try {
      for (let chunk = await s.next(); chunk !== null; chunk = await s.next()) yield chunk
      // A connection killed while paused reports it only once the socket reads again: let that arrive (and the
      // pool drop the connection) before it is handed back.
      if (s.pausedOnce) await new Promise((r) => setImmediate(r))
    } finally {
      // Stopped early: rows are dropped from now on. The lease destroys the connection if it is released before the
      // end; a later statement on it (inside a transaction) reads the rest first.
      if (!s.done) s.abandon()
      else if (this.#open === s) this.#open = null
    }
  }

  #execute(options: MysqlQueryOptions): Promise<Result> {
    if (this.#open) return this.#settle().then(() => this.#execute(options))
    return new Promise((resolve, reject) => {
      this.conn.execute(options, (err: QueryError | null, result: unknown, fields?: FieldPacket[]) => {
        if (!err) resolve(options.rowsAsArray ? (result as Result) : datesOf(result as Result, fields))
        else if (err.errno === ER_UNSUPPORTED_PS) this.#query(options).then(resolve, reject)
        else reject(err)
      })
    })
  }

  #query(options: MysqlQueryOptions): Promise<Result> {
    if (this.#open) return this.#settle().then(() => this.#query(options))
    return new Promise((resolve, reject) => {
      this.conn.query(options, (err: QueryError | null, result: unknown, fields?: FieldPacket[]) =>
        err ? reject(err) : resolve(options.rowsAsArray ? (result as Result) : datesOf(result as Result, fields)),
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
