import { DataError, IntegrityError, OperationalError, ProgrammingError, QuarryError } from '../../errors.ts'

/** node:sqlite error → PEP 249 tree, by SQLite's primary result code. */
export function translateSqliteError(error: unknown, sql: string | undefined): Error {
  if (error instanceof QuarryError) return error
  const e = error as { errcode?: number; errstr?: string; message?: string; code?: string }
  const code = typeof e.errcode === 'number' ? e.errcode : undefined
  const message = e.message ?? String(error)
  const options = { cause: error, vendorCode: code, sql }
  switch (code === undefined ? -1 : code & 0xff) {
    case 19: // SQLITE_CONSTRAINT
      return new IntegrityError(message, options)
    case 18: // TOOBIG
    case 20: // MISMATCH
    case 25: // RANGE
      return new DataError(message, options)
    case 1: // SQLITE_ERROR: syntax errors and bad names are programming errors
      return /syntax error|no such column|no such function|incomplete input|unrecognized token/.test(message)
        ? new ProgrammingError(message, options)
        : new OperationalError(message, options)
    case 21: // MISUSE
      return new ProgrammingError(message, options)
    default:
      return new OperationalError(message, options)
  }
}
