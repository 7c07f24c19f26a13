import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { type ConnectOptions, connect, type Db } from '../../src/index.ts'
import type { Models, Schema } from '../../src/model/schema.ts'
import { betterSqlite3Unavailable, SQLITE_DRIVERS, type SqliteDriver, sqliteUrlOn } from './sqlite-drivers.ts'

export type Vendor = 'sqlite' | 'postgres' | 'mysql'

/** One backend the contract suites run against. */
export interface TestBackend {
  readonly vendor: Vendor
  /** The suite's name for it: the vendor, and the driver where a vendor has two (`sqlite better-sqlite3`). */
  readonly label: string
  /** A fresh, isolated database with the schema's tables created. Closed and removed after the file. */
  connect<M extends Models>(schema: Schema<M>, options?: ConnectOptions): Promise<Db<M>>
  /** A URL of a fresh, isolated, empty database (for tests that connect themselves). */
  freshUrl(): Promise<string>
}

interface Target {
  vendor: Vendor
  /** Shown in suite names; default the vendor. */
  label?: string
  /** A second driver for a vendor already covered (SQLite on better-sqlite3): suites may leave it out. */
  variant?: boolean
  /** Why it cannot run here, or null when it can. */
  unavailable(): Promise<string | null>
  /** A new isolated database; returns its URL and how to remove it. */
  create(): Promise<{ url: string; drop(): Promise<void> }>
}

/** A SQLite file target on one driver. A real file (WAL), not :memory:, so tests see what users get. */
const sqliteOn = (driver: SqliteDriver): Target => ({
  vendor: 'sqlite',
  label: driver === 'node:sqlite' ? 'sqlite' : `sqlite ${driver}`,
  variant: driver !== 'node:sqlite',
  unavailable: driver === 'node:sqlite' ? async () => null : betterSqlite3Unavailable,
  create: async () => {
    const path = join(tmpdir(), `quarry-test-${randomUUID()}.db`)
    return {
      url: sqliteUrlOn(path, driver),
      drop: async () => {
        for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
      },
    }
  },
})

/** Server targets are registered by their backend's test support (see server-targets.ts). */
export const targets: Target[] = [sqliteOn('node:sqlite'), sqliteOn('better-sqlite3')]

export function registerTarget(t: Target): void {
  targets.push(t)
}

const loudSkips = new Set<string>()

/**
 * A target that cannot run here: under `CI=true` a failure (never a silent skip there); otherwise the suite skips,
 * with one loud line per target naming why and how to fix it. Call inside a `describe`.
 */
function skipUnavailable(label: string, why: string): void {
  if (process.env.CI === 'true') throw new Error(`${label} is required under CI=true but unavailable: ${why}`)
  if (!loudSkips.has(label)) {
    loudSkips.add(label)
    console.warn(`\n!!! SKIPPING ${label} suites: ${why}\n`)
  }
  describe.skip(`${label} unavailable`, () => {})
}

/**
 * `describe` once per backend. A backend whose service is missing skips with a loud line locally and fails
 * under `CI=true` (never a silent skip there). `driverVariants: false` leaves out the second SQLite driver, for
 * suites that exercise a program around quarry (the CLI in child processes, the example blog in a browser) rather
 * than the driver, which every contract suite covers on both.
 */
export function describeEachBackend(
  title: string,
  body: (b: TestBackend) => void,
  options: { driverVariants?: boolean } = {},
): void {
  for (const target of targets) {
    if (target.variant && options.driverVariants === false) continue
    const label = target.label ?? target.vendor
    describe(`${title} [${label}]`, async () => {
      const why = await target.unavailable()
      if (why) return skipUnavailable(label, why)
      const cleanups: (() => Promise<void>)[] = []
      afterAll(async () => {
        for (const c of cleanups.reverse()) await c()
      })
      body({
        vendor: target.vendor,
        label,
        async connect(schema, options) {
          const { url, drop } = await target.create()
          const db = await connect(url, schema, options)
          cleanups.push(async () => {
            await db.close()
            await drop()
          })
          await db.createTables()
          return db
        },
        async freshUrl() {
          const { url, drop } = await target.create()
          cleanups.push(drop)
          return url
        },
      })
    })
  }
}

/** One SQLite driver, for tests of SQLite itself: `url(path)` opens `path` on that driver. */
export interface SqliteDriverTarget {
  readonly driver: SqliteDriver
  url(path: string): string
}

/** `describe` once per SQLite driver (node:sqlite, better-sqlite3), skipping or failing as describeEachBackend. */
export function describeEachSqliteDriver(title: string, body: (d: SqliteDriverTarget) => void): void {
  for (const driver of SQLITE_DRIVERS) {
    const label = driver === 'node:sqlite' ? 'sqlite' : `sqlite ${driver}`
    describe(`${title} [${label}]`, async () => {
      const why = driver === 'node:sqlite' ? null : await betterSqlite3Unavailable()
      if (why) return skipUnavailable(label, why)
      body({ driver, url: (path) => sqliteUrlOn(path, driver) })
    })
  }
}
