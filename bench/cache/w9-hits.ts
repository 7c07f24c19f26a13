/**
 * W9's memory-cache hit alone in one process (as the peer table's worker runs it): CPU and wall µs per hit after N
 * warm-up hits, and a check that the hits return what the first (uncached) run did, as new objects.
 *
 *   npx node bench/cache/w9-hits.ts [--warm 1500] [--runs 200]
 *
 * One warm-up count per process: with several (`--warm 300,1500`) each later one runs on a second connection in the
 * same process, which measured 5–10× slower here. Uses the peer table's 20,000-post SQLite file (bench/.data, made by
 * `npm run bench`).
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { schema } from '../../examples/demo/schema.ts'
import { createCache } from '../../src/cache/index.ts'
import { connect } from '../../src/index.ts'

const { values: opt } = parseArgs({
  options: { warm: { type: 'string', default: '1500' }, runs: { type: 'string', default: '200' } },
})
const file = path.join(import.meta.dirname, '../.data/quarry_bench_s42_a1000_p20000_t200x3_v1.db')
if (!existsSync(file)) throw new Error(`w9-hits: no ${file}; run npm run bench -- --quick first`)
for (const warm of opt.warm.split(',').map(Number)) {
  const db = await connect(`sqlite:${file}`, schema, { cache: createCache('memory://?maxBytes=268435456') })
  const w9 = () => db.Post.selectRelated('author').orderBy('-createdAt').limit(1000).cache({ ttl: null })
  const first = await w9()
  for (let i = 0; i < warm; i++) await w9()
  const runs = Number(opt.runs)
  const c = process.cpuUsage()
  const t = performance.now()
  let last = first
  for (let i = 0; i < runs; i++) last = await w9()
  const wall = ((performance.now() - t) / runs) * 1000
  const d = process.cpuUsage(c)
  const rows = (ps: typeof first) =>
    JSON.stringify(ps.map((p) => [p.id, p.title, p.body.length, p.createdAt.toISOString(), p.author.name]))
  if (rows(last) !== rows(first) || last[0] === first[0] || last[0]!.createdAt === first[0]!.createdAt)
    throw new Error('w9-hits: a hit did not return new objects equal to the first run')
  console.log(
    `after ${warm} warm-up hits: ${wall.toFixed(0)} µs wall, ${((d.user + d.system) / runs).toFixed(0)} µs CPU per hit (${last.length} posts)`,
  )
  await db.close()
}
