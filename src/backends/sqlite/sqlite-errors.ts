import { type DriverErrorInfo, type ErrorKind, pick, translateDriverError } from '../base-errors.ts'

/**
 * node:sqlite error → PEP 249 tree, by SQLite's primary result code. SQLite's own messages name tables, columns and
 * constraints, never values; quarry's SQL functions throw messages without their arguments.
 */
export function translateSqliteError(error: unknown, sql: string | undefined): Error {
  return translateDriverError(error, sql, classify)
}

function classify(error: unknown): DriverErrorInfo {
  const e = error as { errcode?: number; message?: string }
  const code = typeof e.errcode === 'number' ? e.errcode : undefined
  const message = e.message ?? String(error)
  return { kind: kindOf(code, message), vendorCode: code, message, details: pick(error, ['code', 'errcode', 'errstr']) }
}

function kindOf(code: number | undefined, message: string): ErrorKind {
  // Out-of-range integers: SQLite's own overflow error and node:sqlite refusing to bind a bigint past 64 bits are
  // what the servers report as data errors (22003, MySQL 1264/1690).
  if (/integer overflow|too large to bind/i.test(message)) return 'data'
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
