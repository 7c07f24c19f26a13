import { RE2JS } from 're2js'
import { DataError, OperationalError } from '../../errors.ts'
import type { Connection } from '../backend.ts'
import { sqliteResultCode } from './sqlite-result-codes.ts'

/** The SQLite drivers quarry runs on: Node's built-in one, or the optional better-sqlite3 addon. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3'

export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['node:sqlite', 'better-sqlite3']

/** One SQLite connection, whichever driver: what the backend needs beyond `Connection`. */
export interface SqliteConnection extends Connection {
  readonly driver: SqliteDriverName
  close(): void
}

/** How a connection is opened (`connect(url, schema, { sqlite })`). */
export interface SqliteOpenOptions {
  /**
   * Switch the file to write-ahead logging, which is permanent (the file stays in WAL for every program that opens
   * it). Default: only for a file this connection creates; an existing file keeps its journal mode.
   */
  wal?: boolean | undefined
  busyTimeoutMs?: number | undefined
}

export const STATEMENT_CACHE_SIZE = 512
/** SQLite's page cache per connection, as `PRAGMA cache_size` takes it: negative is KiB (16 MB). */
export const CACHE_SIZE_KIB = -16_000

/** How long a statement waits, retrying, for another connection to release the database (`sqlite.busyTimeoutMs`). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000

/**
 * Rows per batch of `stream()`, whatever the `chunkSize`: SQLite reads in-process, so a batch costs no round trip,
 * and fewer rows alive at once keep V8's young generation small (the runner still makes results of `chunkSize`).
 */
export const STREAM_BATCH = 16

/** SQLITE_BUSY (5) or SQLITE_LOCKED (6), by primary result code. */
export const isBusy = (e: unknown): boolean => {
  const code = sqliteResultCode(e)
  return code !== undefined && ((code & 0xff) === 5 || (code & 0xff) === 6)
}

/** What opening needs of a connection: node:sqlite's `DatabaseSync` and better-sqlite3's `Database` both have it. */
export interface OpeningDatabase {
  exec(sql: string): unknown
  prepare(sql: string): { get(): unknown }
}

/**
 * The settings every connection opens with, whichever driver. Opening is synchronous, so
 * switching a file to WAL while another process holds its lock (two `quarry migrate` started together on a new file)
 * uses SQLite's own busy handler, bounded by busyTimeoutMs and only here; every statement after it runs with none and
 * is retried asynchronously (`retryWhileBusy`): a busy handler would sleep on the main thread.
 */
export function applyOpenSettings(
  db: OpeningDatabase,
  options: { file: boolean; existed: boolean; wal: boolean | undefined; busyTimeoutMs: number },
): void {
  // A 16 MB page cache, better-sqlite3's default: node:sqlite keeps SQLite's 2 MB, and a read of more pages than
  // that fetched them from the OS again on every run (W1, 1,000 posts with their authors: 2.2 ms with a third in
  // system time, 1.3 ms with 16 MB). Pages are allocated as they are read, up to the bound.
  db.exec(
    `PRAGMA foreign_keys = ON; PRAGMA cache_size = ${CACHE_SIZE_KIB}; PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`,
  )
  if (options.file && (options.wal ?? !options.existed)) db.exec('PRAGMA journal_mode = WAL')
  // A file in WAL mode, whoever switched it: commits need not wait for the disk (SQLite's advice for WAL; a power
  // loss can undo the last commits, never corrupt). The setting is this connection's: the file keeps none of it.
  // Only new files got it once, so every later process wrote at FULL, one fsync per commit (3× slower create()).
  const mode = options.file && (db.prepare('PRAGMA journal_mode').get() as { journal_mode?: unknown }).journal_mode
  if (String(mode).toLowerCase() === 'wal') db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA busy_timeout = 0')
}

/**
 * `op` failed with `error`. If the database was busy (another connection holds the lock), try again after a short
 * asynchronous pause, doubling up to 50 ms, until `busyTimeoutMs` has passed: the event loop keeps running, where
 * SQLite's own busy handler would sleep on the main thread. Any other error is thrown as it is.
 */
export function retryWhileBusy<T>(error: unknown, op: () => T, busyTimeoutMs: number): Promise<T> {
  if (!isBusy(error) || busyTimeoutMs <= 0) throw error
  const deadline = performance.now() + busyTimeoutMs
  const retry = async (): Promise<T> => {
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      if (performance.now() + pause > deadline)
        throw new OperationalError(
          `The SQLite database is locked: another connection holds its write lock, and it was not released within ${busyTimeoutMs} ms (sqlite.busyTimeoutMs in connect()). Keep write transactions short, or raise the bound.`,
          { vendorCode: sqliteResultCode(error), details: { code: 'SQLITE_BUSY' } },
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

type SqlFunction = (...args: unknown[]) => unknown

/**
 * The SQL functions quarry's SQLite dialect calls, registered on every connection (both drivers take the same
 * deterministic scalar functions): `quarry_regexp(pattern, value, ci)` and `quarry_ilike(pattern, value)`.
 */
export function quarryFunctions(): Readonly<Record<'quarry_regexp' | 'quarry_ilike', SqlFunction>> {
  const cache = new Map<string, RegExp>()
  const regexes = new Map<string, RE2JS>()
  return {
    // RE2 (re2js, pure JavaScript): linear time in the text, so no pattern can freeze the process the way a
    // backtracking RegExp does on `^(a+)+$`; and POSIX classes (`[[:digit:]]`) mean what they mean on the servers.
    quarry_regexp: (pattern, value, ci) => {
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
    },
    // LIKE with `\` escapes and Unicode case folding (SQLite's LIKE folds ASCII only).
    quarry_ilike: (pattern, value) => {
      if (value === null || pattern === null) return null
      const key = `like:${pattern}`
      let re = cache.get(key)
      if (!re) {
        if (cache.size > 256) cache.clear()
        re = likeToRegExp(String(pattern))
        cache.set(key, re)
      }
      return re.test(String(value)) ? 1 : 0
    },
  }
}
