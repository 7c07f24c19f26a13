import { type DriverErrorInfo, type ErrorKind, pick, translateDriverError } from '../base-errors.ts'

/** postgres.js's codes for a statement it refuses to send. */
const DRIVER_MISUSE = new Set([
  'MAX_PARAMETERS_EXCEEDED',
  'UNDEFINED_VALUE',
  'UNSAFE_TRANSACTION',
  'NOT_TAGGED_CALL',
  'COPY_IN_PROGRESS',
])

/**
 * PostgreSQL error → PEP 249 tree, by SQLSTATE class (postgres.js's `PostgresError.code`). The message is built from
 * the error's structure, never by editing the server's text: its `detail` (`Key (email)=(a@b.c) already exists`,
 * `Failing row contains (…)`) is dropped, and data exceptions (class 22), whose primary message quotes the input,
 * are described by their SQLSTATE alone.
 */
export function translatePostgresError(error: unknown, sql: string | undefined): Error {
  return translateDriverError(error, sql, classify)
}

/** Structural fields of postgres.js's `PostgresError` (none holds a value). */
const FIELDS = [
  'code',
  'severity',
  'schema_name',
  'table_name',
  'column_name',
  'data_type_name',
  'constraint_name',
  'routine',
]

function classify(error: unknown): DriverErrorInfo {
  const e = error as { code?: unknown; message?: string }
  // A SQLSTATE is five digits or capitals; no class starts with E, so socket errors (EPIPE) are not taken for one.
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.code[0] !== 'E' ? e.code : undefined
  const message = code ? messageOf(code, error) : (e.message ?? String(error))
  return { kind: kindOf(code, e.code), vendorCode: code, message, details: pick(error, FIELDS) }
}

/** Data exceptions quote the offending input in their message; these say what went wrong without it. */
const DATA_EXCEPTIONS: Readonly<Record<string, string>> = {
  '22001': 'value too long for the column type',
  '22003': 'numeric value out of range',
  '22004': 'null value not allowed',
  '22007': 'invalid datetime format',
  '22008': 'datetime field out of range',
  '22012': 'division by zero',
  '22021': 'invalid byte sequence for the encoding',
  '22023': 'invalid parameter value',
  '22025': 'invalid escape sequence',
  '2201B': 'invalid regular expression',
  '22P02': 'invalid input syntax',
  '22P05': 'untranslatable character',
  '22030': 'duplicate JSON object key value',
  '22032': 'invalid JSON text',
}

function messageOf(code: string, error: unknown): string {
  const e = error as { message?: string; column_name?: unknown; data_type_name?: unknown; routine?: unknown }
  if (code.startsWith('22')) {
    const what = DATA_EXCEPTIONS[code] ?? 'data exception'
    // The type is named before the quoted input ("invalid input syntax for type integer: …"): read it from there.
    const type = /^invalid input syntax for type ([a-z][a-z0-9 _]*):/.exec(e.message ?? '')?.[1]
    const column = typeof e.column_name === 'string' ? ` (column "${e.column_name}")` : ''
    return `${what}${type ? ` for type ${type}` : ''}${column} [SQLSTATE ${code}]`
  }
  // Other primary messages name objects, not values (the row values are in `detail`, which is left out).
  return e.message ?? `SQLSTATE ${code}`
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
