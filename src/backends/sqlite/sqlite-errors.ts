import { type DriverErrorInfo, type ErrorKind, pick, translateDriverError } from '../base-errors.ts'
import { sqliteResultCode } from './sqlite-result-codes.ts'

/**
 * An integer column held a value JavaScript numbers cannot represent exactly. node:sqlite's own message quotes the
 * value; both drivers report this one instead.
 */
export const UNSAFE_INTEGER_MESSAGE =
  'An integer in the result is beyond ±(2^53 − 1) and cannot be read exactly as a JavaScript number. Declare the field f.bigint() (read as bigint), or in raw SQL select it CAST(… AS TEXT).'

/**
 * SQLite error (node:sqlite or better-sqlite3) → PEP 249 tree, by SQLite's primary result code; `vendorCode` is the
 * extended result code on both drivers (e.g. 2067, SQLITE_CONSTRAINT_UNIQUE). SQLite's own messages name tables,
 * columns and constraints, never values; quarry's SQL functions throw messages without their arguments.
 */
export function translateSqliteError(error: unknown, sql: string | undefined): Error {
  return translateDriverError(error, sql, classify)
}

function classify(error: unknown): DriverErrorInfo {
  const e = error as { code?: unknown; message?: string }
  const code = sqliteResultCode(error)
  const details = pick(error, ['code', 'errcode', 'errstr'])
  // node:sqlite refusing to read an integer as a number: its message carries the value.
  if (e.code === 'ERR_OUT_OF_RANGE')
    return { kind: 'data', vendorCode: undefined, message: UNSAFE_INTEGER_MESSAGE, details }
  const message = e.message ?? String(error)
  return { kind: kindOf(code, message), vendorCode: code, message, details }
}

function kindOf(code: number | undefined, message: string): ErrorKind {
  // Out-of-range integers: SQLite's own overflow error and the drivers refusing to bind a bigint past 64 bits
  // (node:sqlite "too large to bind", better-sqlite3 "… or bigint is too big") are what the servers report as data
  // errors (22003, MySQL 1264/1690).
  if (/integer overflow|too large to bind|bigint is too big/i.test(message)) return 'data'
  switch (code === undefined ? -1 : code & 0xff) {
    case 19: // SQLITE_CONSTRAINT
      return 'integrity'
    case 18: // TOOBIG
    case 20: // MISMATCH
    case 25: // RANGE
      return 'data'
    case 1: // SQLITE_ERROR: syntax errors and bad names are programming errors
      return /syntax error|no such column|no such function|incomplete input|unrecognized token/.test(message)
        ? 'programming'
        : 'operational'
    case 21: // MISUSE
      return 'programming'
    default:
      return 'operational'
  }
}
