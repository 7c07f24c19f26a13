// The SQLite drivers the suites run on. better-sqlite3 is an optional peer dependency of quarry, never one of its
// own: the tests take it from the small package in test/drivers/ (its own lock file), which .ci/run installs and
// vitest.config.ts resolves `better-sqlite3` to.
import { existsSync } from 'node:fs'
import { delimiter } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import { loadBetterSqlite3 } from '../../src/backends/sqlite/better-sqlite3-driver.ts'

export const SQLITE_DRIVERS = ['node:sqlite', 'better-sqlite3'] as const
export type SqliteDriver = (typeof SQLITE_DRIVERS)[number]

/** Where the tests' copy of better-sqlite3 is installed (`npm ci --prefix test/drivers`). */
export const BETTER_SQLITE3_DIR = fileURLToPath(new URL('../drivers/node_modules/better-sqlite3', import.meta.url))
export const INSTALL_TEST_DRIVERS = 'npm ci --prefix test/drivers'

let probe: Promise<string | null> | undefined

/** Why the better-sqlite3 suites cannot run here, or null. */
export function betterSqlite3Unavailable(): Promise<string | null> {
  probe ??= (async () => {
    if (!existsSync(BETTER_SQLITE3_DIR))
      return `better-sqlite3 is not installed for the tests. Install it with: ${INSTALL_TEST_DRIVERS} (.ci/run does)`
    try {
      await loadBetterSqlite3()
      return null
    } catch (e) {
      return `better-sqlite3 in test/drivers cannot be loaded (${(e as Error).message}). Reinstall it: ${INSTALL_TEST_DRIVERS}`
    }
  })()
  return probe
}

/** `sqlite:<path>` on one driver. */
export const sqliteUrlOn = (path: string, driver: SqliteDriver): string =>
  `sqlite:${path}${driver === 'node:sqlite' ? '' : `?driver=${driver}`}`

/** A plain connection outside quarry. */
export interface RawSqlite {
  exec(sql: string): unknown
  close(): unknown
}

/**
 * Another connection to `path` through `driver`'s own library. Another holder of a file's lock in the same process
 * must use the same driver: node:sqlite and better-sqlite3 bundle separate copies of SQLite, which do not see each
 * other's locks (POSIX locks belong to the process).
 */
export async function openRaw(driver: SqliteDriver, path: string): Promise<RawSqlite> {
  if (driver === 'node:sqlite') return new DatabaseSync(path)
  const Database = await loadBetterSqlite3()
  return new Database(path, { timeout: 0 }) as RawSqlite
}

/**
 * Environment for a child process (the `quarry` CLI) that may open a `?driver=better-sqlite3` URL: vitest's alias
 * does not reach it, so the tests' copy is put on NODE_PATH, which quarry's fallback lookup (a require from the
 * application's folder) honours.
 */
export function driversNodePath(): Record<string, string> {
  const dir = fileURLToPath(new URL('../drivers/node_modules', import.meta.url))
  if (!existsSync(dir)) return {}
  return { NODE_PATH: [dir, process.env.NODE_PATH].filter(Boolean).join(delimiter) }
}
