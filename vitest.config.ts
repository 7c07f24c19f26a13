import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  // Migration files written by the tests import 'quarry' and 'quarry/migrations', as users' files do.
  resolve: {
    alias: [
      { find: /^quarry$/, replacement: src('index.ts') },
      { find: /^quarry\/migrations$/, replacement: src('migrations/index.ts') },
      { find: /^quarry\/testing$/, replacement: src('testing/index.ts') },
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
