/**
 * Where W4's (get by primary key, SQLite) time goes beyond the raw driver: CPU µs per 2,000 gets, interleaved in one
 * process, for steps from raw's prepared `get(id)` up to quarry's `db.Post.get({ id })`.
 *
 *   npx node --expose-gc bench/micro/w4-parts.ts [--rounds 7] [--runs 100]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { schema } from '../../examples/demo/schema.ts'
import { connect } from '../../src/index.ts'
import { RawPost } from '../shared/raw-models.ts'
import { openRawSqlite } from '../shared/raw-sqlite.ts'
import { buildDatabase } from './seed.ts'

const { values: opt } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, runs: { type: 'string', default: '100' } },
})
const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-w4p-'))
const file = path.join(dir, 'blog.db')
await buildDatabase(file, { seed: 42, authors: 1000, posts: 20_000, tags: 200, tagsPerPost: 3 })
const db = await connect(`sqlite:${file}`, schema)
const raw = openRawSqlite(file)
const cols = 'id, title, body, views, published, created_at, author_id'
const plain = raw.prepare(`SELECT ${cols} FROM blog_post WHERE id = ?`)
plain.setReturnArrays(true)
const limited = raw.prepare(`SELECT ${cols} FROM blog_post WHERE id = ? LIMIT ?`)
limited.setReturnArrays(true)
const quarrySql = raw.prepare(
  'SELECT "blog_post"."id", "blog_post"."title", "blog_post"."body", "blog_post"."views", "blog_post"."published", "blog_post"."created_at", "blog_post"."author_id" FROM "blog_post" WHERE "blog_post"."id" = ? LIMIT (? + 0)',
)
quarrySql.setReturnArrays(true)
const ids = Array.from({ length: 2000 }, (_, i) => 1 + ((i * 7919) % 20_000))

const systems: Record<string, () => Promise<unknown>> = {
  'raw get(id), async per get': async () => {
    const get = async (id: number) => new RawPost(plain.get(id) as unknown as unknown[])
    for (const id of ids) await get(id)
  },
  'raw get(id, 21) with LIMIT ?, spread params': async () => {
    const get = async (id: number) => {
      const p = [id, 21]
      return new RawPost(limited.get(...(p as [number, number])) as unknown as unknown[])
    }
    for (const id of ids) await get(id)
  },
  'raw get(id, 21) with LIMIT ?': async () => {
    const get = async (id: number) => new RawPost(limited.get(id, 21) as unknown as unknown[])
    for (const id of ids) await get(id)
  },
  "raw get(id, 21) with quarry's SQL (LIMIT (? + 0))": async () => {
    const get = async (id: number) => new RawPost(quarrySql.get(id, 21) as unknown as unknown[])
    for (const id of ids) await get(id)
  },
  'raw get(...[id]), spread params': async () => {
    const get = async (id: number) => {
      const p = [id]
      return new RawPost(plain.get(...(p as [number])) as unknown as unknown[])
    }
    for (const id of ids) await get(id)
  },
  'quarry db.Post.get({ id })': async () => {
    for (const id of ids) await db.Post.get({ id })
  },
}
const names = Object.keys(systems)
for (const n of names) for (let i = 0; i < 100; i++) await systems[n]!()
const per: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
for (let r = 0; r < Number(opt.rounds); r++)
  for (const n of names) {
    ;(globalThis as { gc?: () => void }).gc?.()
    const c = process.cpuUsage()
    for (let i = 0; i < Number(opt.runs); i++) await systems[n]!()
    const d = process.cpuUsage(c)
    per[n]!.push((d.user + d.system) / Number(opt.runs))
  }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const base = med(per[names[0]!]!)
for (const n of names) {
  const xs = per[n]!
  console.log(
    `${n.padEnd(48)} ${med(xs).toFixed(0).padStart(7)} µs CPU per 2,000 gets  ${(med(xs) / base).toFixed(3)}×  (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`,
  )
}
await db.close()
raw.close()
rmSync(dir, { recursive: true, force: true })
