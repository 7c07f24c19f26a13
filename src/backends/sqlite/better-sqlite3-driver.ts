import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { DataError, ImproperlyConfigured } from '../../errors.ts'
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
import { UNSAFE_INTEGER_MESSAGE } from './sqlite-errors.ts'

// The parts of better-sqlite3's API this driver uses. Declared here: better-sqlite3 is an optional peer dependency,
// so neither it nor its types are installed with quarry.
interface Statement {
  /** The statement returns rows (a SELECT, or a write with RETURNING). */
  readonly reader: boolean
  raw(on: boolean): Statement
  safeIntegers(on: boolean): Statement
  columns(): readonly { readonly name: string; readonly type: string | null }[]
  all(...params: readonly unknown[]): unknown[]
  get(...params: readonly unknown[]): unknown
  run(...params: readonly unknown[]): { changes: number; lastInsertRowid: number | bigint }
  iterate(...params: readonly unknown[]): IterableIterator<unknown>
}
interface Database {
  readonly open: boolean
  prepare(sql: string): Statement
  exec(sql: string): unknown
  function(name: string, options: { deterministic: boolean }, fn: (...args: never[]) => unknown): unknown
  unsafeMode(on: boolean): unknown
  close(): unknown
}
/** better-sqlite3's default export. */
export type BetterSqlite3 = new (path: string, options: { timeout: number }) => Database

const PACKAGE = 'better-sqlite3'
const INSTALL = `npm install ${PACKAGE}`

let loaded: Promise<BetterSqlite3> | undefined

/**
 * better-sqlite3, loaded on first use: from quarry's own location (the usual install, where the application depends
 * on it next to quarry), else from the application's folder (`process.cwd()`: a linked or vendored quarry).
 * Missing, or installed without a native build for this Node: an `ImproperlyConfigured` naming the fix.
 */
export function loadBetterSqlite3(): Promise<BetterSqlite3> {
  loaded ??= load().catch((e) => {
    loaded = undefined
    throw e
  })
  return loaded
}

async function load(): Promise<BetterSqlite3> {
  try {
    // A variable specifier: the package is optional, and its types are not installed with quarry.
    const specifier: string = PACKAGE
    const mod = (await import(specifier)) as { default: BetterSqlite3 }
    return mod.default
  } catch (e) {
    if (!notFound(e)) throw unusable(e)
  }
  try {
    return createRequire(join(process.cwd(), 'package.json'))(PACKAGE) as BetterSqlite3
  } catch (e) {
    if (!notFound(e)) throw unusable(e)
  }
  throw new ImproperlyConfigured(
    `The SQLite driver '${PACKAGE}' was asked for (?driver=${PACKAGE} in the URL, or sqlite: { driver: '${PACKAGE}' }), but the package is not installed. It is an optional peer dependency of quarry: ${INSTALL}. Or leave the option out to use node:sqlite, built into Node.`,
  )
}

/** The package itself is missing (not: one of its files, or its native addon, failed to load). */
function notFound(e: unknown): boolean {
  const { code, message } = e as { code?: unknown; message?: unknown }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    (message.includes(`'${PACKAGE}'`) || message.includes(`"${PACKAGE}"`))
  )
}

function unusable(e: unknown): ImproperlyConfigured {
  const why = e instanceof Error ? e.message.split('\n')[0] : String(e)
  return new ImproperlyConfigured(
    `The SQLite driver '${PACKAGE}' is installed but cannot be loaded on Node ${process.versions.node} (${why}). Reinstall it for this Node: npm rebuild ${PACKAGE} (or ${INSTALL}).`,
  )
}

/** A statement reading rows as arrays, and the columns of integer affinity whose values are checked. */
interface Reader {
  readonly st: Statement
  readonly reader: boolean
  /** Column indexes (array rows) or names (object rows) declared with integer affinity; null when none, or bigints. */
  readonly ints: readonly (number | string)[] | null
}

/** 2^63: integers SQLite stores are below it; a REAL read back from an integer column can be larger. */
const INT64_BOUND = 2 ** 63

/**
 * One better-sqlite3 connection, behind the same interface and with the same settings, SQL functions, busy
 * back-off and statement cache as node:sqlite's (`NodeSqliteConnection`). Rows are read as arrays (`raw(true)`).
 *
 * Two things better-sqlite3 does differently are made to match node:sqlite:
 * - An integer beyond ±(2^53 − 1) read as a number is rounded silently by better-sqlite3, where node:sqlite throws.
 *   Columns declared with integer affinity are checked (a comparison per value) and such a value is a `DataError`;
 *   statements that select a `bigint` field read exact bigints (`safeIntegers`), as node:sqlite's `setReadBigInts`.
 * - While a row iterator is open, better-sqlite3 refuses writes on the connection (node:sqlite allows them, and
 *   `iterator()` loops may write). Its `unsafeMode` lifts that; it is on only while an `iterator()` stream is open.
 */
export class BetterSqliteConnection implements SqliteConnection {
  readonly driver = 'better-sqlite3'
  readonly db: Database
  readonly #arrays = new Map<string, Reader>()
  readonly #objects = new Map<string, Reader>()
  readonly #bigints = new Map<string, Reader>()
  readonly #writes = new Map<string, Statement>()
  readonly #busyTimeoutMs: number
  /** Open row iterators of `stream()`: `unsafeMode` is on while there is one; closed before the database. */
  readonly #streams = new Set<IterableIterator<unknown>>()

  constructor(Driver: BetterSqlite3, path: string, options: SqliteOpenOptions = {}) {
    const file = path !== ':memory:' && path !== ''
    const existed = file && existsSync(path) && statSync(path).size > 0
    this.#busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
    // better-sqlite3 sets its own busy timeout on open (`timeout`): the same bound as the open settings below.
    this.db = new Driver(path, { timeout: Math.max(0, Math.floor(this.#busyTimeoutMs)) })
    applyOpenSettings(this.db, { file, existed, wal: options.wal, busyTimeoutMs: this.#busyTimeoutMs })
    for (const [name, fn] of Object.entries(quarryFunctions())) this.db.function(name, { deterministic: true }, fn)
  }

  #reader(cache: Map<string, Reader>, sql: string, mode: 'arrays' | 'objects' | 'bigints'): Reader {
    let r = cache.get(sql)
    if (r === undefined) {
      const st = this.db.prepare(sql)
      let ints: (number | string)[] | null = null
      if (st.reader) {
        if (mode !== 'objects') st.raw(true)
        if (mode === 'bigints') st.safeIntegers(true)
        else ints = integerColumns(st, mode === 'objects')
      }
      r = { st, reader: st.reader, ints }
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
      cache.set(sql, r)
    }
    return r
  }

  rows(sql: string, params: readonly unknown[], options?: QueryOptions): unknown[][] | Promise<unknown[][]> {
    const r = options?.bigints ? this.#reader(this.#bigints, sql, 'bigints') : this.#reader(this.#arrays, sql, 'arrays')
    const single = options?.single === true
    // The retry closure is made only on failure: the success path allocates nothing extra.
    try {
      return read(r, params, sql, single) as unknown[][]
    } catch (e) {
      return retryWhileBusy(e, () => read(r, params, sql, single) as unknown[][], this.#busyTimeoutMs)
    }
  }

  objects(sql: string, params: readonly unknown[]): Record<string, unknown>[] | Promise<Record<string, unknown>[]> {
    const r = this.#reader(this.#objects, sql, 'objects')
    try {
      return read(r, params, sql) as Record<string, unknown>[]
    } catch (e) {
      return retryWhileBusy(e, () => read(r, params, sql) as Record<string, unknown>[], this.#busyTimeoutMs)
    }
  }

  run(sql: string, params: readonly unknown[]): RunResult | Promise<RunResult> {
    let st = this.#writes.get(sql)
    if (st === undefined) {
      st = this.db.prepare(sql)
      if (this.#writes.size >= STATEMENT_CACHE_SIZE) this.#writes.delete(this.#writes.keys().next().value!)
      this.#writes.set(sql, st)
    }
    const s = st
    try {
      const r = s.run(...params)
      return { rowCount: r.changes, insertId: r.lastInsertRowid }
    } catch (e) {
      return retryWhileBusy(
        e,
        () => {
          const r = s.run(...params)
          return { rowCount: r.changes, insertId: r.lastInsertRowid }
        },
        this.#busyTimeoutMs,
      )
    }
  }

  exec(sql: string): void | Promise<void> {
    try {
      this.db.exec(sql)
    } catch (e) {
      return retryWhileBusy(
        e,
        () => {
          this.db.exec(sql)
        },
        this.#busyTimeoutMs,
      )
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
    const st = this.db.prepare(sql).raw(true)
    if (options?.bigints) st.safeIntegers(true)
    const ints = options?.bigints ? null : integerColumns(st, false)
    const it = st.iterate(...params)
    this.#streams.add(it)
    if (this.#streams.size === 1) this.db.unsafeMode(true)
    try {
      let chunk: unknown[][] = []
      for (let next = it.next(); !next.done; next = it.next()) {
        const row = next.value as unknown[]
        if (ints !== null) checkIntegers(row as unknown as Record<number, unknown>, ints, sql)
        chunk.push(row)
        if (chunk.length >= batch) {
          yield chunk
          chunk = []
        }
      }
      if (chunk.length) yield chunk
    } finally {
      this.#endStream(it)
    }
  }

  #endStream(it: IterableIterator<unknown>): void {
    if (!this.#streams.delete(it)) return
    it.return?.()
    if (this.#streams.size === 0 && this.db.open) this.db.unsafeMode(false)
  }

  close(): void {
    for (const it of [...this.#streams]) this.#endStream(it)
    this.#arrays.clear()
    this.#objects.clear()
    this.#bigints.clear()
    this.#writes.clear()
    if (this.db.open) this.db.close()
  }
}

/** Run a cached reader: its rows, checked; a statement that returns none is run, with no rows (as node:sqlite). */
/** `single`: at most one row can match; read the first only (`QueryOptions.single`). */
function read(r: Reader, params: readonly unknown[], sql: string, single = false): unknown[] {
  if (!r.reader) {
    r.st.run(...params)
    return []
  }
  let rows: unknown[]
  if (single) {
    const row = r.st.get(...params)
    rows = row === undefined ? [] : [row]
  } else rows = r.st.all(...params)
  if (r.ints !== null)
    for (let i = 0; i < rows.length; i++) checkIntegers(rows[i] as Record<string, unknown>, r.ints, sql)
  return rows
}

/**
 * Columns of integer affinity (a declared type containing "INT", SQLite's first affinity rule): where an integer
 * beyond ±(2^53 − 1) can come from. Expressions have no declared type and are not checked.
 */
function integerColumns(st: Statement, byName: boolean): (number | string)[] | null {
  const out: (number | string)[] = []
  st.columns().forEach((c, i) => {
    if (c.type !== null && /INT/i.test(c.type)) out.push(byName ? c.name : i)
  })
  return out.length ? out : null
}

function checkIntegers(
  row: Readonly<Record<number | string, unknown>>,
  ints: readonly (number | string)[],
  sql: string,
): void {
  for (let k = 0; k < ints.length; k++) {
    const v = row[ints[k]!]
    if (
      typeof v === 'number' &&
      (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) &&
      Math.abs(v) <= INT64_BOUND
    )
      throw new DataError(UNSAFE_INTEGER_MESSAGE, { sql })
  }
}
