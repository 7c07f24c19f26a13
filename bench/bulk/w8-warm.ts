/**
 * W8 in one warm process on SQLite (CPU time): a keyset page at depth 90,000 (quarry's paginate() and raw
 * node:sqlite's prepared row-value query) against quarry's OFFSET page at the same depth. bench/bulk runs each
 * system in a fresh process with 5 fetches, where the first fetch's compile and JIT warm-up dominate a ~0.1 ms page;
 * this shows the steady state. Run: npx node bench/bulk/w8-warm.ts (builds a 100,000-post file in the temp folder
 * once, ~30 s).
 */
import { existsSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { schema } from '../../examples/demo/schema.ts'
import { connect } from '../../src/index.ts'
import { buildDatabase } from '../micro/seed.ts'

const dir = path.join(os.tmpdir(), 'quarry-w8-warm')
mkdirSync(dir, { recursive: true })
const file = path.join(dir, 'full.db')
if (!existsSync(file)) {
  await buildDatabase(file, { seed: 42, authors: 1000, posts: 100000, tags: 200, tagsPerPost: 3 })
  const raw = new DatabaseSync(file)
  raw.exec(
    `UPDATE blog_post SET created_at = replace(replace(replace(created_at, 'T', ' '), '.000Z', ''), 'Z', ''); ANALYZE`,
  )
  raw.close()
}
const db = await connect(`sqlite:${file}`, schema, { sqlite: { wal: true } })
const qs = db.Post.orderBy('-createdAt', '-id')
const after = (await qs.only('createdAt').paginate({ first: 90000 })).endCursor
const raw = new DatabaseSync(file)
const anchor: any = raw
  .prepare('SELECT created_at, id FROM blog_post ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 89999')
  .get()
const stmt = raw.prepare(
  'SELECT id, title, body, views, published, created_at, author_id FROM blog_post WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?',
)
const N = 2000
for (let round = 0; round < 3; round++) {
  let c = process.cpuUsage()
  for (let i = 0; i < N; i++)
    stmt
      .all(anchor.created_at, anchor.id, 26)
      .map((r: Record<string, unknown>) => ({ ...r, createdAt: new Date(r.created_at as string) }))
  const rawUs = process.cpuUsage(c).user / N
  c = process.cpuUsage()
  for (let i = 0; i < N; i++) await qs.paginate({ first: 25, after })
  const qUs = process.cpuUsage(c).user / N
  c = process.cpuUsage()
  for (let i = 0; i < N; i++) await qs.slice(0, 25)
  const sUs = process.cpuUsage(c).user / N
  c = process.cpuUsage()
  for (let i = 0; i < 50; i++) await qs.slice(90000, 90025)
  const oUs = process.cpuUsage(c).user / 50
  console.log(
    `offset page at 90,000 ${oUs.toFixed(0)} µs (keyset ${(oUs / qUs).toFixed(0)}× faster); raw ${rawUs.toFixed(1)} µs, quarry paginate ${qUs.toFixed(1)} µs, quarry slice(0,25) ${sUs.toFixed(1)} µs`,
  )
}
console.log(await qs.keysetQuery({ first: 25, after }).explain())
await db.close()
