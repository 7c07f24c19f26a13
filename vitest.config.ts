import { defineConfig } from 'vitest/config'

export default defineConfig({
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
