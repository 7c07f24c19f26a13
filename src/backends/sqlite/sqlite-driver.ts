import { existsSync, statSync } from 'node:fs'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { RE2JS } from 're2js'
import { DataError, OperationalError } from '../../errors.ts'
import type { Connection, QueryOptions, RunResult } from '../backend.ts'

const STATEMENT_CACHE_SIZE = 512
/** How long a statement waits, retrying, for another connection to release the database (`sqlite.busyTimeoutMs`). */
const DEFAULT_BUSY_TIMEOUT_MS = 5_000

/** SQLITE_BUSY (5) or SQLITE_LOCKED (6), by primary result code. */
const isBusy = (e: unknown): boolean => {
  const code = (e as { errcode?: unknown })?.errcode
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6)
}

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** A LIKE pattern (`%`, `_`, `\` escapes) as a case-insensitive, Unicode-aware RegExp. */
export function likeToRegExp(pattern: string): RegExp {
  let src = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\' && i + 1 < pattern.length) src += escapeRegExp(pattern[++i]!)
    else if (c === '%') src += '[\\s\\S]*'
    else if (c === '_') src += '[\\s\\S]'
    else src += escapeRegExp(c)
  }
  return new RegExp(`^${src}$`, 'iu')
}

/**
 * One `node:sqlite` connection with a prepared-statement cache. Rows are read as arrays
 * (`setReturnArrays`, Node ≥ 24) and mapped by generated mappers above this layer.
 */
export class SqliteConnection implements Connection {
  readonly db: DatabaseSync
  readonly #arrays = new Map<string, StatementSync>()
  readonly #objects = new Map<string, StatementSync>()
  readonly #bigints = new Map<string, StatementSync>()
  readonly #busyTimeoutMs: number

  /**
   * `wal`: switch the file to write-ahead logging, which is permanent (the file stays in WAL for every program that
   * opens it). Default: only for a file this connection creates; an existing file keeps its journal mode.
   */
  constructor(path: string, options: { wal?: boolean | undefined; busyTimeoutMs?: number | undefined } = {}) {
    const file = path !== ':memory:' && path !== ''
    const existed = file && existsSync(path) && statSync(path).size > 0
    this.db = new DatabaseSync(path)
    // No busy handler: it would sleep on the main thread. A busy database is retried asynchronously (#whenFree).
    this.#busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
    // Opening is synchronous (a constructor), so switching a file to WAL while another process holds its lock (two
    // `quarry migrate` started together on a new file) uses SQLite's own busy handler, bounded by busyTimeoutMs and
    // only here; every statement after it runs with none and is retried asynchronously.
    this.db.exec(`PRAGMA foreign_keys = ON; PRAGMA busy_timeout = ${Math.max(0, Math.floor(this.#busyTimeoutMs))}`)
    if (file && (options.wal ?? !existed)) this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
    this.db.exec('PRAGMA busy_timeout = 0')
    const cache = new Map<string, RegExp>()
    const regexes = new Map<string, RE2JS>()
    // RE2 (re2js, pure JavaScript): linear time in the text, so no pattern can freeze the process the way a
    // backtracking RegExp does on `^(a+)+$`; and POSIX classes (`[[:digit:]]`) mean what they mean on the servers.
    this.db.function('quarry_regexp', { deterministic: true }, (pattern, value, ci) => {
      if (value === null || pattern === null) return null
      const key = `${ci}:${pattern}`
      let re = regexes.get(key)
      if (!re) {
        if (regexes.size > 256) regexes.clear()
        try {
          re = RE2JS.compile(String(pattern), ci ? RE2JS.CASE_INSENSITIVE : 0)
        } catch {
          // The engine's message quotes the pattern, which may be user input: say what failed without it.
          throw new DataError(
            'Invalid regular expression in a regex lookup (RE2 syntax on SQLite: no backreferences or lookaround).',
            { vendorCode: 'INVALID_REGEX' },
          )
        }
        regexes.set(key, re)
      }
      return re.matcher(String(value)).find() ? 1 : 0
    })
    // LIKE with `\` escapes and Unicode case folding (SQLite's LIKE folds ASCII only).
    this.db.function('quarry_ilike', { deterministic: true }, (pattern, value) => {
      if (value === null || pattern === null) return null
      const key = `like:${pattern}`
      let re = cache.get(key)
      if (!re) {
        if (cache.size > 256) cache.clear()
        re = likeToRegExp(String(pattern))
        cache.set(key, re)
      }
      return re.test(String(value)) ? 1 : 0
    })
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
      ? this.#prepare(this.#bigints, sql, (s) => {
          s.setReturnArrays(true)
          s.setReadBigInts(true)
        })
      : this.#prepare(this.#arrays, sql, (s) => s.setReturnArrays(true))
    // The retry closure is made only on failure: the success path allocates nothing extra.
    try {
      return st.all(...(params as never[])) as unknown as unknown[][]
    } catch (e) {
      return this.#whenFree(e, () => st.all(...(params as never[])) as unknown as unknown[][])
    }
  }

  objects(sql: string, params: readonly unknown[]): Record<string, unknown>[] | Promise<Record<string, unknown>[]> {
    const st = this.#prepare(this.#objects, sql, () => {})
    try {
      return st.all(...(params as never[])) as Record<string, unknown>[]
    } catch (e) {
      return this.#whenFree(e, () => st.all(...(params as never[])) as Record<string, unknown>[])
    }
  }

  run(sql: string, params: readonly unknown[]): RunResult | Promise<RunResult> {
    const st = this.#prepare(this.#arrays, sql, (s) => s.setReturnArrays(true))
    try {
      const r = st.run(...(params as never[]))
      return { rowCount: Number(r.changes), insertId: r.lastInsertRowid }
    } catch (e) {
      return this.#whenFree(e, () => {
        const r = st.run(...(params as never[]))
        return { rowCount: Number(r.changes), insertId: r.lastInsertRowid }
      })
    }
  }

  exec(sql: string): void | Promise<void> {
    try {
      this.db.exec(sql)
    } catch (e) {
      return this.#whenFree(e, () => this.db.exec(sql))
    }
  }

  /**
   * `op` failed with `error`. If the database was busy (another connection holds the lock), try again after a short
   * asynchronous pause, doubling up to 50 ms, until `busyTimeoutMs` has passed: the event loop keeps running, where
   * SQLite's own busy handler would sleep on the main thread. Any other error is thrown as it is.
   */
  #whenFree<T>(error: unknown, op: () => T): Promise<T> {
    if (!isBusy(error) || this.#busyTimeoutMs <= 0) throw error
    const deadline = performance.now() + this.#busyTimeoutMs
    const retry = async (): Promise<T> => {
      for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
        if (performance.now() + pause > deadline)
          throw new OperationalError(
            `The SQLite database is locked: another connection holds its write lock, and it was not released within ${this.#busyTimeoutMs} ms (sqlite.busyTimeoutMs in connect()). Keep write transactions short, or raise the bound.`,
            { vendorCode: (error as { errcode?: number }).errcode, details: { code: 'SQLITE_BUSY' } },
          )
        await new Promise((r) => setTimeout(r, pause))
        try {
          return op()
        } catch (e) {
          if (!isBusy(e)) throw e
        }
      }
    }
    return retry()
  }

  async *stream(
    sql: string,
    params: readonly unknown[],
    chunkSize: number,
    options?: QueryOptions,
  ): AsyncIterable<unknown[][]> {
    // A separate statement: the cached one may be re-entered by queries run while this stream is open.
    const st = this.db.prepare(sql)
    st.setReturnArrays(true)
    if (options?.bigints) st.setReadBigInts(true)
    let chunk: unknown[][] = []
    for (const row of st.iterate(...(params as never[]))) {
      chunk.push(row as unknown as unknown[])
      if (chunk.length >= chunkSize) {
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
