import { existsSync, statSync } from 'node:fs'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { QueryOptions, RunResult } from '../backend.ts'
import {
  applyOpenSettings,
  DEFAULT_BUSY_TIMEOUT_MS,
  quarryFunctions,
  retryWhileBusy,
  type SqliteConnection,
  type SqliteOpenOptions,
  STATEMENT_CACHE_SIZE,
  STREAM_BATCH,
} from './sqlite-connection.ts'

/**
 * One `node:sqlite` connection with a prepared-statement cache. Rows are read as arrays
 * (`setReturnArrays`, Node ≥ 24) and mapped by generated mappers above this layer.
 */
export class NodeSqliteConnection implements SqliteConnection {
  readonly driver = 'node:sqlite'
  readonly db: DatabaseSync
  readonly #arrays = new Map<string, StatementSync>()
  readonly #objects = new Map<string, StatementSync>()
  readonly #bigints = new Map<string, StatementSync>()
  readonly #busyTimeoutMs: number

  constructor(path: string, options: SqliteOpenOptions = {}) {
    const file = path !== ':memory:' && path !== ''
    const existed = file && existsSync(path) && statSync(path).size > 0
    this.db = new DatabaseSync(path)
    this.#busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
    applyOpenSettings(this.db, { file, existed, wal: options.wal, busyTimeoutMs: this.#busyTimeoutMs })
    for (const [name, fn] of Object.entries(quarryFunctions()))
      this.db.function(name, { deterministic: true }, fn as (...args: unknown[]) => null)
  }

  #prepare(cache: Map<string, StatementSync>, sql: string, setup: (s: StatementSync) => void): StatementSync {
    let st = cache.get(sql)
    if (st === undefined) {
      st = this.db.prepare(sql)
      setup(st)
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
      cache.set(sql, st)
    }
    return st
  }

  rows(sql: string, params: readonly unknown[], options?: QueryOptions): unknown[][] | Promise<unknown[][]> {
    const st = options?.bigints
      ? this.#prepare(this.#bigints, sql, arraysOfBigints)
      : this.#prepare(this.#arrays, sql, arrays)
    // The retry closure is made only on failure: the success path allocates nothing extra.
    try {
      return options?.single ? first(st, params) : (st.all(...(params as never[])) as unknown as unknown[][])
    } catch (e) {
      const again = options?.single
        ? () => first(st, params)
        : () => st.all(...(params as never[])) as unknown as unknown[][]
      return retryWhileBusy(e, again, this.#busyTimeoutMs)
    }
  }

  objects(sql: string, params: readonly unknown[]): Record<string, unknown>[] | Promise<Record<string, unknown>[]> {
    const st = this.#prepare(this.#objects, sql, () => {})
    try {
      return st.all(...(params as never[])) as Record<string, unknown>[]
    } catch (e) {
      return retryWhileBusy(e, () => st.all(...(params as never[])) as Record<string, unknown>[], this.#busyTimeoutMs)
    }
  }

  run(sql: string, params: readonly unknown[]): RunResult | Promise<RunResult> {
    const st = this.#prepare(this.#arrays, sql, (s) => s.setReturnArrays(true))
    try {
      const r = st.run(...(params as never[]))
      return { rowCount: Number(r.changes), insertId: r.lastInsertRowid }
    } catch (e) {
      return retryWhileBusy(
        e,
        () => {
          const r = st.run(...(params as never[]))
          return { rowCount: Number(r.changes), insertId: r.lastInsertRowid }
        },
        this.#busyTimeoutMs,
      )
    }
  }

  exec(sql: string): void | Promise<void> {
    try {
      this.db.exec(sql)
    } catch (e) {
      return retryWhileBusy(e, () => this.db.exec(sql), this.#busyTimeoutMs)
    }
  }

  async *stream(
    sql: string,
    params: readonly unknown[],
    chunkSize: number,
    options?: QueryOptions,
  ): AsyncIterable<unknown[][]> {
    const batch = Math.min(chunkSize, STREAM_BATCH)
    // A separate statement: the cached one may be re-entered by queries run while this stream is open.
    const st = this.db.prepare(sql)
    st.setReturnArrays(true)
    if (options?.bigints) st.setReadBigInts(true)
    let chunk: unknown[][] = []
    for (const row of st.iterate(...(params as never[]))) {
      chunk.push(row as unknown as unknown[])
      if (chunk.length >= batch) {
        yield chunk
        chunk = []
      }
    }
    if (chunk.length) yield chunk
  }

  close(): void {
    this.#arrays.clear()
    this.#objects.clear()
    this.#bigints.clear()
    if (this.db.isOpen) this.db.close()
  }
}

const arrays = (s: StatementSync) => s.setReturnArrays(true)
const arraysOfBigints = (s: StatementSync) => {
  s.setReturnArrays(true)
  s.setReadBigInts(true)
}

/** The statement's first row, as a result of zero or one rows (`QueryOptions.single`). */
function first(st: StatementSync, params: readonly unknown[]): unknown[][] {
  const row = st.get(...(params as never[])) as unknown as unknown[] | undefined
  return row === undefined ? [] : [row]
}
