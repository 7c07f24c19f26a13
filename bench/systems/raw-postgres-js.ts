// Hand-written postgres.js: prepared statements, array rows (`.values()`), hand mapping. The floor for PostgreSQL.
import postgres from 'postgres'
import { StreamDigest } from '../lib/checksum.ts'
import type { SystemDef } from '../lib/system.ts'
import { AUTHORS, CONCURRENT, CONCURRENT_ROUNDS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
import {
  attach,
  mapAuthors,
  mapPosts,
  mapPostsWithAuthor,
  POST_COLS,
  pg,
  RawAuthor,
  RawPost,
  SQL,
} from './raw-shared.ts'
import { type RawDriver, rawWrites } from './raw-writes.ts'

export const POOL = 10

export const system: SystemDef = {
  id: 'raw-postgres-js',
  label: 'raw postgres.js',
  raw: true,
  packages: ['postgres'],
  backends: { postgres: true, sqlite: 'a PostgreSQL driver' },
  async open(ctx) {
    const sql = postgres(ctx.location, { max: POOL, onnotice: () => {} })
    const q = (text: string, params: unknown[]) =>
      sql.unsafe(text, params as never[], { prepare: true }).values() as unknown as Promise<unknown[][]>
    const W1 = pg(SQL.w1)
    const POSTS = pg(SQL.posts)
    const AUTH = pg(SQL.authors)
    const ONE_AUTHOR = pg(SQL.author)
    const ONE_POST = pg(SQL.post)
    const BY_AUTHORS = `SELECT ${POST_COLS} FROM blog_post p WHERE p.author_id = ANY($1) ORDER BY p.author_id, p.created_at DESC`
    const PAGE = `SELECT ${POST_COLS} FROM blog_post p WHERE p.published AND p.title ILIKE $1 ORDER BY p.created_at DESC LIMIT 20`
    const page = async (w: string) => mapPosts(await q(PAGE, [`%${w}%`]), false)
    const on = (c: postgres.Sql): RawDriver => ({
      sqlite: false,
      maxParams: 65533,
      all: async (text, params) =>
        (await c.unsafe(pg(text), params as never[], { prepare: true }).values()) as unknown as unknown[][],
      run: async (text, params) => void (await c.unsafe(pg(text), params as never[], { prepare: true })),
      transaction: async (fn) => void (await sql.begin((tx) => fn(on(tx as unknown as postgres.Sql)))),
    })
    return {
      workloads: {
        ...rawWrites(on(sql), ctx),
        W1: async () => mapPostsWithAuthor(await q(W1, [FETCH]), false),
        W2: async () => {
          const as = mapAuthors(await q(AUTH, [AUTHORS]))
          return attach(as, mapPosts(await q(BY_AUTHORS, [as.map((a) => a.id)]), false))
        },
        W3: async () => {
          const ps = mapPosts(await q(POSTS, [FETCH]), false)
          const out: [RawPost, RawAuthor][] = []
          for (const p of ps) {
            const r = (await q(ONE_AUTHOR, [p.authorId]))[0]!
            out.push([p, new RawAuthor(Number(r[0]), r[1] as string, r[2] as string | null)])
          }
          return out
        },
        W4: async () => {
          const out = new Array<RawPost>(ctx.ids.length)
          for (let i = 0; i < ctx.ids.length; i++) out[i] = new RawPost((await q(ONE_POST, [ctx.ids[i]]))[0]!, false)
          return out
        },
        W5: async () => {
          const out: RawPost[][] = []
          for (let i = 0; i < PAGES; i++) out.push(await page(pageWord(i)))
          return out
        },
        W11: async () => {
          const d = new StreamDigest()
          for await (const rows of sql.unsafe(SQL.all).values().cursor(2000) as AsyncIterable<unknown[][]>)
            for (const r of rows) {
              const p = new RawPost(r, false)
              d.add(p.id, p.title, p.views)
            }
          return d
        },
        W12: async () => {
          const out: RawPost[][] = []
          for (let round = 0; round < CONCURRENT_ROUNDS; round++)
            out.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => page(pageWord(i))))))
          return out
        },
      },
      async close() {
        await sql.end({ timeout: 5 })
      },
    }
  },
}
