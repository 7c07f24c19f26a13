// Hand-written pg (node-postgres): a Pool, named prepared statements, rowMode 'array', hand mapping.
import pg from 'pg'
import Cursor from 'pg-cursor'
import { StreamDigest } from '../lib/checksum.ts'
import type { SystemDef } from '../lib/system.ts'
import { AUTHORS, CONCURRENT, CONCURRENT_ROUNDS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
import { POOL } from './raw-postgres-js.ts'
import {
  attach,
  mapAuthors,
  mapPosts,
  mapPostsWithAuthor,
  pg as numbered,
  POST_COLS,
  RawAuthor,
  RawPost,
  SQL,
} from './raw-shared.ts'
import { type RawDriver, rawWrites } from './raw-writes.ts'

export const system: SystemDef = {
  id: 'raw-pg',
  label: 'raw pg',
  raw: true,
  packages: ['pg'],
  backends: { postgres: true, sqlite: 'a PostgreSQL driver' },
  async open(ctx) {
    const pool = new pg.Pool({ connectionString: ctx.location, max: POOL })
    let n = 0
    const stmt = (text: string) => ({ name: `s${n++}`, text })
    const q = async (s: { name: string; text: string }, values: unknown[]) =>
      (await pool.query({ ...s, values, rowMode: 'array' })).rows as unknown[][]
    const W1 = stmt(numbered(SQL.w1))
    const POSTS = stmt(numbered(SQL.posts))
    const AUTH = stmt(numbered(SQL.authors))
    const ONE_AUTHOR = stmt(numbered(SQL.author))
    const ONE_POST = stmt(numbered(SQL.post))
    const BY_AUTHORS = stmt(
      `SELECT ${POST_COLS} FROM blog_post p WHERE p.author_id = ANY($1) ORDER BY p.author_id, p.created_at DESC`,
    )
    const PAGE = stmt(
      `SELECT ${POST_COLS} FROM blog_post p WHERE p.published AND p.title ILIKE $1 ORDER BY p.created_at DESC LIMIT 20`,
    )
    const page = async (w: string) => mapPosts(await q(PAGE, [`%${w}%`]), false)
    // Named statements per text, on the pool or on one client for a transaction.
    const names = new Map<string, { name: string; text: string }>()
    const named = (sql: string) => {
      let s = names.get(sql)
      if (!s) names.set(sql, (s = stmt(numbered(sql))))
      return s
    }
    const on = (c: pg.Pool | pg.PoolClient): RawDriver => ({
      sqlite: false,
      maxParams: 65533,
      all: async (sql, values) => (await c.query({ ...named(sql), values, rowMode: 'array' })).rows as unknown[][],
      run: async (sql, values) => void (await c.query({ ...named(sql), values })),
      transaction: async (fn) => {
        const client = await pool.connect()
        try {
          await client.query('BEGIN')
          await fn(on(client))
          await client.query('COMMIT')
        } catch (e) {
          await client.query('ROLLBACK')
          throw e
        } finally {
          client.release()
        }
      },
    })
    return {
      workloads: {
        ...rawWrites(on(pool), ctx),
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
          // pg-cursor, pg's own streaming companion: 2,000 rows a read, as the others stream.
          const client = await pool.connect()
          try {
            const cursor = client.query(new Cursor(SQL.all, [], { rowMode: 'array' }))
            const d = new StreamDigest()
            for (let rows = await cursor.read(2000); rows.length; rows = await cursor.read(2000))
              for (const r of rows as unknown[][]) {
                const p = new RawPost(r, false)
                d.add(p.id, p.title, p.views)
              }
            await cursor.close()
            return d
          } finally {
            client.release()
          }
        },
        W12: async () => {
          const out: RawPost[][] = []
          for (let round = 0; round < CONCURRENT_ROUNDS; round++)
            out.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => page(pageWord(i))))))
          return out
        },
      },
      async close() {
        await pool.end()
      },
    }
  },
}
