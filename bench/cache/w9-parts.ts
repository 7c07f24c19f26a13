/**
 * What bounds W9 on SQLite: CPU µs per W1 of its parts, interleaved in one process — the raw driver's W1, its
 * `all()` alone, its hand mapping alone (2,000 plain objects and 1,000 Dates parsed from text), quarry answered by
 * a bare interceptor (quarry's query building and row mapping, no database, no cache), quarry uncached, and a
 * memory-cache hit.
 *
 *   npx node --expose-gc bench/cache/w9-parts.ts [--rounds 7] [--runs 100] [--only 'memory hit']
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { schema } from '../../examples/demo/schema.ts'
import { createCache } from '../../src/cache/index.ts'
import { connect } from '../../src/index.ts'
import { buildDatabase } from '../micro/seed.ts'
import { RawAuthor, RawPost } from '../shared/raw-models.ts'
import { openRawSqlite } from '../shared/raw-sqlite.ts'

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '200' },
    only: { type: 'string' },
  },
})
const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-w9p-'))
const file = path.join(dir, 'blog.db')
await buildDatabase(file, { seed: 42, authors: 1000, posts: 20_000, tags: 200 })
const memory = createCache('memory://?maxBytes=268435456', { prefix: `w9p${process.pid}` })
const plain = await connect(`sqlite:${file}`, schema, { nPlusOne: 'off' })
const withMemory = await connect(`sqlite:${file}`, schema, { nPlusOne: 'off', cache: memory })
const fixed = await connect(`sqlite:${file}`, schema, { nPlusOne: 'off' })
let fixedRows: unknown[][] | undefined
fixed.intercept(async (s, next) => {
  if (s.kind !== 'select') return next()
  fixedRows ??= (await next()) as unknown[][]
  return fixedRows
})
const raw = openRawSqlite(file)
const st = raw.prepare(
  'SELECT p.id, p.title, p.body, p.views, p.published, p.created_at, p.author_id, a.id, a.name, a.email FROM blog_post p INNER JOIN author a ON a.id = p.author_id ORDER BY p.created_at DESC LIMIT ?',
)
st.setReturnArrays(true)
const rows = st.all(1000) as unknown as unknown[][]
// The rows as a cache keeps them: datetimes as epoch milliseconds, so a hit makes Dates without parsing text.
const epochRows = rows.map((r) => r.map((v, i) => (i === 5 ? new Date(v as string).getTime() : v)))
if (epochRows.some((r) => Number.isNaN(r[5]))) throw new Error('w9-parts: a created_at that is not a datetime')
/** The hand mapping raw code does: a post with its author per row (RawPost makes the Date from text or ms). */
const handMap = (rs: readonly unknown[][]) => {
  const out = new Array(rs.length)
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!
    out[i] = new RawPost(r, new RawAuthor(r[7] as number, r[8] as string, r[9] as string | null))
  }
  return out.length
}
const w1 = (db: typeof plain) => db.Post.selectRelated('author').orderBy('-createdAt').limit(1000)

const systems: Record<string, () => unknown> = {
  'raw sqlite W1 (all + map)': () => handMap(st.all(1000) as unknown as unknown[][]),
  'raw sqlite all() only': () => (st.all(1000) as unknown[]).length,
  'raw map only (2,000 objects + Date parse)': () => handMap(rows),
  'raw map from kept rows (2,000 objects, Dates from ms)': () => handMap(epochRows),
  'quarry answered by a bare interceptor (runner + mapper)': () => w1(fixed).then((r) => r.length),
  'quarry uncached': () => w1(plain).then((r) => r.length),
  'quarry memory hit': () =>
    w1(withMemory)
      .cache({ ttl: null })
      .then((r) => r.length),
}
const names = Object.keys(systems).filter((n) => !opt.only || n.includes(opt.only))
for (const n of names) for (let i = 0; i < 50; i++) await systems[n]!()
const per: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
const runs = Number(opt.runs)
for (let r = 0; r < Number(opt.rounds); r++)
  for (const n of names) {
    ;(globalThis as { gc?: () => void }).gc?.()
    const c = process.cpuUsage()
    for (let i = 0; i < runs; i++) await systems[n]!()
    const d = process.cpuUsage(c)
    per[n]!.push((d.user + d.system) / runs)
  }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const n of names) {
  const xs = per[n]!
  console.log(
    `${n.padEnd(58)} ${med(xs).toFixed(1).padStart(8)} µs CPU  (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`,
  )
}
await memory.clear()
for (const db of [plain, withMemory, fixed]) await db.close()
await memory.close()
raw.close()
rmSync(dir, { recursive: true, force: true })
