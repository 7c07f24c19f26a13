import { existsSync, statSync } from 'node:fs'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { RE2JS } from 're2js'
import { DataError } from '../../errors.ts'
import type { Connection, QueryOptions, RunResult } from '../backend.ts'

const STATEMENT_CACHE_SIZE = 512

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

  /**
   * `wal`: switch the file to write-ahead logging, which is permanent (the file stays in WAL for every program that
   * opens it). Default: only for a file this connection creates; an existing file keeps its journal mode.
   */
  constructor(path: string, options: { wal?: boolean | undefined } = {}) {
    const file = path !== ':memory:' && path !== ''
    const existed = file && existsSync(path) && statSync(path).size > 0
    this.db = new DatabaseSync(path)
    this.db.exec('PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000')
    if (file && (options.wal ?? !existed)) this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
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

  rows(sql: string, params: readonly unknown[], options?: QueryOptions): unknown[][] {
    const st = options?.bigints
      ? this.#prepare(this.#bigints, sql, (s) => {
          s.setReturnArrays(true)
          s.setReadBigInts(true)
        })
      : this.#prepare(this.#arrays, sql, (s) => s.setReturnArrays(true))
    return st.all(...(params as never[])) as unknown as unknown[][]
  }

  objects(sql: string, params: readonly unknown[]): Record<string, unknown>[] {
    return this.#prepare(this.#objects, sql, () => {}).all(...(params as never[])) as Record<string, unknown>[]
  }

  run(sql: string, params: readonly unknown[]): RunResult {
    const r = this.#prepare(this.#arrays, sql, (s) => s.setReturnArrays(true)).run(...(params as never[]))
    return { rowCount: Number(r.changes), insertId: r.lastInsertRowid }
  }

  exec(sql: string): void {
    this.db.exec(sql)
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
