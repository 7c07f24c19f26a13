// `npm run demo -- --db <url>`: the whole demo runs against the database the URL names (migrated from zero, seeded,
// every section measured), and a second run on the same database starts clean (migrations unapplied first).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { describeEachBackend } from '../../support/backends.ts'
import { driversNodePath } from '../../support/sqlite-drivers.ts'

const MAIN = fileURLToPath(new URL('../../../examples/demo/main.ts', import.meta.url))
const demo = (url: string) =>
  spawnSync(process.execPath, [MAIN, '--db', url, '--posts', '2000'], {
    encoding: 'utf8',
    timeout: 240_000,
    // A `?driver=better-sqlite3` URL: the child finds the tests' copy of the optional driver there.
    env: { ...process.env, ...driversNodePath() },
  })

describeEachBackend('npm run demo -- --db', (b) => {
  it('runs every section on the database named, twice in a row', async () => {
    const url = await b.freshUrl()
    for (let run = 0; run < 2; run++) {
      const r = demo(url)
      expect(r.stderr).not.toMatch(/Error/)
      expect(r.status).toBe(0)
      expect(r.stdout).toContain('10. raw SQL')
      expect(r.stdout).toMatch(/Summary: posts\+author [\d.]+×.* raw SQL: 1 statement instead of 100\./)
    }
  }, 500_000)
})
