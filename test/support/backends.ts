import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { type ConnectOptions, connect, type Db } from '../../src/index.ts'
import type { Models, Schema } from '../../src/model/schema.ts'

export type Vendor = 'sqlite' | 'postgres' | 'mysql'

/** One backend the contract suites run against. */
export interface TestBackend {
  readonly vendor: Vendor
  /** A fresh, isolated database with the schema's tables created. Closed and removed after the file. */
  connect<M extends Models>(schema: Schema<M>, options?: ConnectOptions): Promise<Db<M>>
  /** A URL of a fresh, isolated, empty database (for tests that connect themselves). */
  freshUrl(): Promise<string>
}

interface Target {
  vendor: Vendor
  /** Why it cannot run here, or null when it can. */
  unavailable(): Promise<string | null>
  /** A new isolated database; returns its URL and how to remove it. */
  create(): Promise<{ url: string; drop(): Promise<void> }>
}

const sqlite: Target = {
  vendor: 'sqlite',
  unavailable: async () => null,
  create: async () => {
    // A real file (WAL), not :memory:, so tests see what users get.
    const path = join(tmpdir(), `quarry-test-${randomUUID()}.db`)
    return {
      url: `sqlite:${path}`,
      drop: async () => {
        for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
      },
    }
  },
}

/** Server targets are registered by their backend's test support (see server-targets.ts). */
export const targets: Target[] = [sqlite]

export function registerTarget(t: Target): void {
  targets.push(t)
}

const loudSkips = new Set<string>()

/**
 * `describe` once per backend. A backend whose service is missing skips with a loud line locally and fails
 * under `CI=true` (never a silent skip there).
 */
export function describeEachBackend(title: string, body: (b: TestBackend) => void): void {
  for (const target of targets) {
    describe(`${title} [${target.vendor}]`, async () => {
      const why = await target.unavailable()
      if (why) {
        if (process.env.CI === 'true')
          throw new Error(`${target.vendor} is required under CI=true but unavailable: ${why}`)
        if (!loudSkips.has(target.vendor)) {
          loudSkips.add(target.vendor)
          console.warn(`\n!!! SKIPPING ${target.vendor} suites: ${why}\n`)
        }
        describe.skip(`${target.vendor} unavailable`, () => {})
        return
      }
      const cleanups: (() => Promise<void>)[] = []
      afterAll(async () => {
        for (const c of cleanups.reverse()) await c()
      })
      body({
        vendor: target.vendor,
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
