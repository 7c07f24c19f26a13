/**
 * W9 (BENCHMARKS.md): W1 — 1,000 posts ordered by createdAt with their author joined — uncached, against the
 * same QuerySet with `.cache()` warm on the memory cache and on Redis. One process, the three interleaved per
 * round (so drift hits all alike); median ms of each and the uncached/cached speed-up. SQLite file in WAL mode,
 * 1,000 authors / 20,000 posts (bench/micro's data).
 *
 *   npx node bench/cache/w9.ts [--rounds 7] [--runs 30]   (QUARRY_BENCH_REDIS, default redis://127.0.0.1:6379/15)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { schema } from '../../examples/demo/schema.ts'
import { createCache } from '../../src/cache/index.ts'
import { connect } from '../../src/index.ts'
import { buildDatabase } from '../micro/seed.ts'
import { gitInfo, machineInfo, writeResults } from '../shared/results.ts'

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    runs: { type: 'string', default: '30' },
    'no-write': { type: 'boolean', default: false },
  },
})
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-w9-'))
const file = path.join(dir, 'blog.db')
await buildDatabase(file, { seed: 42, authors: 1000, posts: 20_000, tags: 200 })

const redisUrl = process.env.QUARRY_BENCH_REDIS ?? 'redis://127.0.0.1:6379/15'
const memory = createCache('memory://?maxBytes=268435456', { prefix: `w9m${process.pid}` })
const redis = createCache(redisUrl, { prefix: `w9r${process.pid}` })
const plain = await connect(`sqlite:${file}`, schema, { nPlusOne: 'off' })
const withMemory = await connect(`sqlite:${file}`, schema, { nPlusOne: 'off', cache: memory })
const withRedis = await connect(`sqlite:${file}`, schema, { nPlusOne: 'off', cache: redis })

const w1 = (db: typeof plain) => db.Post.selectRelated('author').orderBy('-createdAt').limit(1000)
const systems = {
  uncached: () => w1(plain).then((r) => r.length),
  'memory cache': () =>
    w1(withMemory)
      .cache({ ttl: null })
      .then((r) => r.length),
  'redis cache': () =>
    w1(withRedis)
      .cache({ ttl: null })
      .then((r) => r.length),
}
const times: Record<string, number[]> = Object.fromEntries(Object.keys(systems).map((k) => [k, []]))
for (const fn of Object.values(systems)) for (let i = 0; i < 20; i++) await fn() // warm-up (fills the caches)
for (let round = 0; round < Number(opt.rounds); round++)
  for (const [name, fn] of Object.entries(systems))
    for (let i = 0; i < Number(opt.runs); i++) {
      const t = performance.now()
      if ((await fn()) !== 1000) throw new Error(`${name}: wrong row count`)
      times[name]!.push(performance.now() - t)
    }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const p10 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)]!
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length * 9) / 10)]!
const base = median(times.uncached!)
const rows = Object.entries(times).map(([name, xs]) => ({
  system: name,
  medianMs: Number(median(xs).toFixed(3)),
  p10Ms: Number(p10(xs).toFixed(3)),
  p90Ms: Number(p90(xs).toFixed(3)),
  speedup: Number((base / median(xs)).toFixed(1)),
}))
console.log('W9: W1 (1,000 posts + author) uncached vs .cache() warm\n')
console.log('| system | median ms | p10–p90 ms | speed-up vs uncached | target |')
console.log('|---|---|---|---|---|')
for (const r of rows)
  console.log(
    `| ${r.system} | ${r.medianMs} | ${r.p10Ms}–${r.p90Ms} | ${r.speedup}× | ${r.system === 'memory cache' ? '≥ 20×' : ''} |`,
  )
if (!opt['no-write'])
  console.log(`\n${writeResults(root, 'cache-w9', { git: gitInfo(root), machine: machineInfo(), results: rows })}`)

await memory.clear()
await redis.clear()
for (const db of [plain, withMemory, withRedis]) await db.close()
await memory.close()
await redis.close()
rmSync(dir, { recursive: true, force: true })
