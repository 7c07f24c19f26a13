import { type DriverErrorInfo, type ErrorKind, pick, translateDriverError } from '../base-errors.ts'

const INTEGRITY = new Set([1022, 1048, 1062, 1169, 1215, 1216, 1217, 1451, 1452, 1557, 1586, 1761, 1762, 3819, 4025])
const DATA = new Set([1139, 1264, 1690, 1265, 1292, 1365, 1366, 1367, 1406, 1411, 1416, 3140, 3141, 3143, 3146, 4078])
const PROGRAMMING = new Set([
  1390, // too many placeholders

  1044,
  1050,
  1051,
  1052,
  1054,
  1060,
  1061,
  1064,
  1091,
  1093,
  1109,
  1110,
  1146,
  1149,
  1210,
  1222,
  1247,
  1305,
  1327,
  1630,
])
const NOT_SUPPORTED = new Set([1178, 1235, 1295, 1665])
const OPERATIONAL = new Set([
  1040, 1045, 1049, 1053, 1077, 1081, 1152, 1153, 1154, 1156, 1157, 1158, 1159, 1160, 1161, 1184, 1203, 1205, 1213,
  1226, 1317, 1927, 1969, 2002, 2003, 2006, 2013, 2055, 3024, 4031,
])

/**
 * mysql2 error → PEP 249 tree, by server errno (`vendorCode`). Connection-level failures (no errno, or `fatal`)
 * are operational. The errors whose message quotes a value (`Duplicate entry '…' for key`, `Incorrect integer value:
 * '…' for column`) get a message built from their errno and the identifiers around the value, never an edited
 * copy of the server's text: a value may hold any quote character.
 */
export function translateMysqlError(error: unknown, sql: string | undefined): Error {
  return translateDriverError(error, sql, classify)
}

/** Structural fields of a mysql2 error (none holds a value). */
const FIELDS = ['code', 'errno', 'sqlState']

function classify(error: unknown): DriverErrorInfo {
  const e = error as { errno?: unknown; fatal?: boolean; message?: string; sqlMessage?: string }
  const errno = typeof e.errno === 'number' && e.errno >= 1000 && e.errno < 5000 ? e.errno : undefined
  const kind: ErrorKind = errno === undefined || e.fatal ? 'operational' : kindOf(errno)
  const raw = e.sqlMessage ?? e.message ?? String(error)
  return {
    kind,
    vendorCode: errno,
    message: errno === undefined ? raw : messageOf(errno, raw, (error as { code?: unknown }).code),
    details: pick(error, FIELDS),
  }
}

/**
 * Server errors whose message template has a value in it (MySQL's and MariaDB's errmsg), with what is said instead.
 * Identifiers after the value are read from the end of the message, where the template puts them.
 */
const VALUE_MESSAGES: Readonly<Record<number, (raw: string) => string>> = {
  1062: (m) => `Duplicate entry for key ${after(m, ' for key ', KEY) ?? '(unknown)'}`,
  1366: (m) => `Incorrect ${head(m)} value for column ${after(m, ' for column ', COLUMN) ?? '(unknown)'}`,
  1292: (m) => {
    const column = after(m, ' for column ', COLUMN)
    return `Incorrect or truncated ${head(m)} value${column ? ` for column ${column}` : ''}`
  },
  1300: () => 'Invalid character string for the character set',
  1367: () => 'Illegal value found during parsing',
  1411: (m) => `Incorrect ${head(m)} value for a function`,
  1525: (m) => `Incorrect ${head(m)} value`,
  3140: () => 'Invalid JSON text',
  4038: () => 'Syntax error in JSON text',
}

const KEY = /^('[^']*'|`[^`]*`)$/
const COLUMN = /^((?:'[^']*'|`[^`]*`)(?:\.(?:'[^']*'|`[^`]*`))* at row \d+)$/

/** The type named before the value: `Incorrect integer value: '…'` → `integer`. */
function head(m: string): string {
  return /^(?:Truncated )?[Ii]ncorrect ([A-Za-z0-9_]+) value/.exec(m)?.[1] ?? 'a'
}

/** What follows the last `marker` (the template's, after the value), if it has the identifier shape `shape`. */
function after(m: string, marker: string, shape: RegExp): string | undefined {
  const i = m.lastIndexOf(marker)
  if (i < 0) return undefined
  const rest = m.slice(i + marker.length)
  return shape.test(rest) ? rest : undefined
}

function messageOf(errno: number, raw: string, code: unknown): string {
  const build = VALUE_MESSAGES[errno]
  if (!build) return raw
  return `${build(raw)} [${typeof code === 'string' ? `${code}, ` : ''}errno ${errno}]`
}

function kindOf(errno: number): ErrorKind {
  if (INTEGRITY.has(errno)) return 'integrity'
  if (DATA.has(errno)) return 'data'
  if (PROGRAMMING.has(errno)) return 'programming'
  if (NOT_SUPPORTED.has(errno)) return 'notSupported'
  if (OPERATIONAL.has(errno)) return 'operational'
  if (errno >= 1000 && errno < 1100) return 'internal'
  return 'database'
}
