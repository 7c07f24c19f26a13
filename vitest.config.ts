import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))
// better-sqlite3 is an optional peer dependency, not one of quarry's: the suites on that driver take it from
// test/drivers/ (`npm ci --prefix test/drivers`; .ci/run installs it). Without it they skip, or fail under CI=true.
const betterSqlite3 = fileURLToPath(new URL('./test/drivers/node_modules/better-sqlite3', import.meta.url))

export default defineConfig({
  // Migration files written by the tests import 'quarry' and 'quarry/migrations', as users' files do.
  resolve: {
    alias: [
      { find: /^quarry$/, replacement: src('index.ts') },
      { find: /^quarry\/migrations$/, replacement: src('migrations/index.ts') },
      { find: /^quarry\/testing$/, replacement: src('testing/index.ts') },
      ...(existsSync(betterSqlite3) ? [{ find: /^better-sqlite3$/, replacement: betterSqlite3 }] : []),
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'test/contract/**/*.contract.ts'],
    setupFiles: ['test/support/setup.ts'],
    reporters: ['default', './test/support/backend-summary.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { QUARRY_CHECK_SHAPES: '1' },
  },
})
