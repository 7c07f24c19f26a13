import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const script = fileURLToPath(new URL('./scripts/fast-key-mismatch.ts', import.meta.url))

it('in production, a fast shape key that names the wrong statement is caught by the sampled check and dropped', () => {
  const env = { ...process.env }
  delete env.QUARRY_CHECK_SHAPES // the suite checks every hit; production samples
  const run = spawnSync(process.execPath, [script], { env, encoding: 'utf8', timeout: 60_000 })
  expect(run.stderr).not.toMatch(/Error/)
  expect(run.status).toBe(0)
  const out = JSON.parse(run.stdout)
  // Until the sample reaches it, the planted key serves the other statement (that is what a wrong key does);
  // the check runs within the first 1,024 hits, after which the key is gone and every query is right.
  expect(out.wrongRows).toBeGreaterThan(0)
  expect(out.wrongRows).toBeLessThanOrEqual(1024)
  expect(out.lastRows).toEqual([{ title: 'one' }])
  expect(out.dropped).toBe(true)
  expect(out.warnings).toHaveLength(1)
  expect(out.warnings[0]).toMatch(/fast shape key .* disagrees with the full build/)
})
