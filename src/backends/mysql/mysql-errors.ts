import { type DriverErrorInfo, type ErrorKind, translateDriverError } from '../base-errors.ts'

const INTEGRITY = new Set([1022, 1048, 1062, 1169, 1215, 1216, 1217, 1451, 1452, 1557, 1586, 1761, 1762, 3819, 4025])
const DATA = new Set([1264, 1265, 1292, 1365, 1366, 1367, 1406, 1411, 1416, 3140, 3141, 3143, 3146, 4078])
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
 * are operational. Messages quote offending values (`Duplicate entry 'a@b.c' for key …`); those are replaced.
 */
export function translateMysqlError(error: unknown, sql: string | undefined): Error {
  return translateDriverError(error, sql, classify)
}

function classify(error: unknown): DriverErrorInfo {
  const e = error as { errno?: unknown; fatal?: boolean; message?: string; sqlMessage?: string }
  const errno = typeof e.errno === 'number' && e.errno >= 1000 && e.errno < 5000 ? e.errno : undefined
  const kind: ErrorKind = errno === undefined || e.fatal ? 'operational' : kindOf(errno)
  return { kind, vendorCode: errno, message: scrubValues(e.sqlMessage ?? e.message ?? String(error)) }
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

/** `Duplicate entry 'x' for key`, `Incorrect integer value: 'x' for column`, `Truncated incorrect DOUBLE value: 'x'`. */
export function scrubValues(message: string): string {
  return message.replace(/\b(entry|value:?) '(?:[^'\\]|\\.|'')*'/gi, "$1 '…'")
}
