import { type DriverErrorInfo, type ErrorKind, translateDriverError } from '../base-errors.ts'

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
  return translateDriverError(error, sql, classify)
}

function classify(error: unknown): DriverErrorInfo {
  const e = error as { code?: unknown; message?: string }
  // A SQLSTATE is five digits or capitals; no class starts with E, so socket errors (EPIPE) are not taken for one.
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.code[0] !== 'E' ? e.code : undefined
  return { kind: kindOf(code, e.code), vendorCode: code, message: scrubValues(e.message ?? String(error)) }
}

function kindOf(sqlstate: string | undefined, driverCode: unknown): ErrorKind {
  if (!sqlstate)
    // postgres.js refusing a statement it cannot send (too many parameters, undefined value, BEGIN outside a
    // reserved connection) is a programming error; every other error without SQLSTATE is the connection's own
    // (refused, reset, closed, timeout).
    return typeof driverCode === 'string' && DRIVER_MISUSE.has(driverCode) ? 'programming' : 'operational'
  switch (sqlstate.slice(0, 2)) {
    case '23':
      return 'integrity'
    case '22':
      return 'data'
    case '42':
    case '44':
    case '26':
    case '34':
      return 'programming'
    case '0A':
      return 'notSupported'
    case '08': // connection exception
    case '28': // authorization
    case '3D': // no such database
    case '40': // serialization failure, deadlock
    case '53': // insufficient resources
    case '54':
    case '55': // lock not available
    case '57': // canceled, admin shutdown, terminated
    case '58':
      return 'operational'
    case 'XX':
    case '25':
    case '2D':
    case '39':
    case 'P0':
      return 'internal'
    default:
      return 'database'
  }
}

/**
 * Data errors quote the offending input (`invalid input syntax for type integer: "abc"`, `value "99999" is out of
 * range`); values may be personal data, so they are replaced.
 */
export function scrubValues(message: string): string {
  return message.replace(/: "(?:[^"]|"")*"$/, ': "…"').replace(/\bvalue "(?:[^"]|"")*"/g, 'value "…"')
}
