import { ImproperlyConfigured } from '../../errors.ts'
import { SQLITE_DRIVERS, type SqliteDriverName } from './sqlite-connection.ts'

/** A SQLite URL read: the file (or `:memory:`) and the driver it names, if any. */
export interface SqliteUrl {
  readonly path: string
  readonly driver: SqliteDriverName | undefined
}

/**
 * `sqlite::memory:` → `:memory:`, `sqlite:./app.db` → `./app.db`, `sqlite:///abs/path.db` → `/abs/path.db`; a query
 * string takes `driver` (`sqlite:./app.db?driver=better-sqlite3`). Any other parameter is an `ImproperlyConfigured`
 * error rather than part of the file name.
 */
export function parseSqliteUrl(url: string): SqliteUrl {
  const rest = url.replace(/^sqlite:/i, '')
  const q = rest.indexOf('?')
  const location = q < 0 ? rest : rest.slice(0, q)
  const path =
    location === ':memory:' || location === '' ? ':memory:' : location.startsWith('//') ? location.slice(2) : location
  let driver: SqliteDriverName | undefined
  if (q >= 0)
    for (const [key, value] of new URLSearchParams(rest.slice(q + 1))) {
      if (key !== 'driver')
        throw new ImproperlyConfigured(
          `Unknown parameter '${key}' in a SQLite URL. The one parameter is driver (sqlite:./app.db?driver=better-sqlite3); file settings go in connect(url, schema, { sqlite: { wal, busyTimeoutMs } }).`,
        )
      driver = checkDriver(value, 'in the URL (?driver=…)')
    }
  return { path: path === '' ? ':memory:' : path, driver }
}

/** A driver name given by the user, checked. */
export function checkDriver(value: unknown, where: string): SqliteDriverName {
  if (!SQLITE_DRIVERS.includes(value as SqliteDriverName))
    throw new ImproperlyConfigured(
      `Unknown SQLite driver '${String(value)}' ${where}. Use ${SQLITE_DRIVERS.map((d) => `'${d}'`).join(' or ')}.`,
    )
  return value as SqliteDriverName
}
