import {
  DatabaseError,
  DataError,
  IntegrityError,
  InternalError,
  NotSupportedError,
  OperationalError,
  ProgrammingError,
  QuarryError,
} from '../../errors.ts'

/** postgres.js's codes for a statement it refuses to send. */
const DRIVER_MISUSE = new Set([
  'MAX_PARAMETERS_EXCEEDED',
  'UNDEFINED_VALUE',
  'UNSAFE_TRANSACTION',
  'NOT_TAGGED_CALL',
  'COPY_IN_PROGRESS',
])

/**
 * PostgreSQL error → PEP 249 tree, by SQLSTATE class (postgres.js's `PostgresError.code`). The message is the server's primary
 * message only: its `detail` (`Key (email)=(a@b.c) already exists`) holds row values and is left on the `cause`.
 */
export function translatePostgresError(error: unknown, sql: string | undefined): Error {
  if (error instanceof QuarryError) return error
  const e = error as { code?: unknown; message?: string }
  // A SQLSTATE is five digits or capitals; no class starts with E, so socket errors (EPIPE) are not taken for one.
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.code[0] !== 'E' ? e.code : undefined
  const message = scrubValues(e.message ?? String(error))
  const options = { cause: error, vendorCode: code, sql }
  if (!code) {
    // postgres.js refusing a statement it cannot send (too many parameters, undefined value, BEGIN outside a
    // reserved connection) is a programming error; every other error without SQLSTATE is the connection's own
    // (refused, reset, closed, timeout).
    if (typeof e.code === 'string' && DRIVER_MISUSE.has(e.code)) return new ProgrammingError(message, options)
    return new OperationalError(message, options)
  }
  switch (code.slice(0, 2)) {
    case '23':
      return new IntegrityError(message, options)
    case '22':
      return new DataError(message, options)
    case '42':
    case '44':
    case '26':
    case '34':
      return new ProgrammingError(message, options)
    case '0A':
      return new NotSupportedError(message, options)
    case '08': // connection exception
    case '28': // authorization
    case '3D': // no such database
    case '40': // serialization failure, deadlock
    case '53': // insufficient resources
    case '54':
    case '55': // lock not available
    case '57': // canceled, admin shutdown, terminated
    case '58':
      return new OperationalError(message, options)
    case 'XX':
    case '25':
    case '2D':
    case '39':
    case 'P0':
      return new InternalError(message, options)
    default:
      return new DatabaseError(message, options)
  }
}

/**
 * Data errors quote the offending input (`invalid input syntax for type integer: "abc"`, `value "99999" is out of
 * range`); values may be personal data, so they are replaced.
 */
export function scrubValues(message: string): string {
  return message.replace(/: "(?:[^"]|"")*"$/, ': "…"').replace(/\bvalue "(?:[^"]|"")*"/g, 'value "…"')
}
