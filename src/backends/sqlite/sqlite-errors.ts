import { type DriverErrorInfo, type ErrorKind, translateDriverError } from '../base-errors.ts'

/** node:sqlite error → PEP 249 tree, by SQLite's primary result code. */
export function translateSqliteError(error: unknown, sql: string | undefined): Error {
  return translateDriverError(error, sql, classify)
}

function classify(error: unknown): DriverErrorInfo {
  const e = error as { errcode?: number; message?: string }
  const code = typeof e.errcode === 'number' ? e.errcode : undefined
  const message = e.message ?? String(error)
  return { kind: kindOf(code, message), vendorCode: code, message }
}

function kindOf(code: number | undefined, message: string): ErrorKind {
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
