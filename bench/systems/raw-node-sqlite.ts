// Hand-written node:sqlite: cached prepared statements, array rows, hand mapping. The floor for SQLite.
import type { StatementSync } from 'node:sqlite'
import { StreamDigest } from '../lib/checksum.ts'
import { na, type SystemDef } from '../lib/system.ts'
import { AUTHORS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
import { openRawSqlite } from '../shared/raw-sqlite.ts'
import { attach, mapAuthors, mapPosts, mapPostsWithAuthor, POST_COLS, RawAuthor, RawPost, SQL } from './raw-shared.ts'
import { type RawDriver, rawWrites } from './raw-writes.ts'

export const system: SystemDef = {
  id: 'raw-node-sqlite',
  label: 'raw node:sqlite',
  raw: true,
  packages: [],
  backends: { sqlite: true, postgres: 'a SQLite driver' },
  async open(ctx) {
    // The settings quarry's SQLite driver uses.
    const db = openRawSqlite(ctx.location)
    const prep = (sql: string): StatementSync => {
      const st = db.prepare(sql)
      st.setReturnArrays(true)
      return st
    }
    const rows = (st: StatementSync, ...p: (string | number)[]) => st.all(...p) as unknown as unknown[][]
    const w1 = prep(SQL.w1)
    const posts = prep(SQL.posts)
    const authors = prep(SQL.authors)
    const author = prep(SQL.author)
    const post = prep(SQL.post)
    const byAuthors = prep(
      `SELECT ${POST_COLS} FROM blog_post p WHERE p.author_id IN (${Array(AUTHORS).fill('?').join(', ')}) ORDER BY p.author_id, p.created_at DESC`,
    )
    const page = prep(
      `SELECT ${POST_COLS} FROM blog_post p WHERE p.published = 1 AND p.title LIKE ? ESCAPE '\\' ORDER BY p.created_at DESC LIMIT 20`,
    )
    const all = prep(SQL.all)
    const cache = new Map<string, StatementSync>()
    const cached = (sql: string) => {
      let st = cache.get(sql)
      if (!st) cache.set(sql, (st = prep(sql)))
      return st
    }
    const driver: RawDriver = {
      sqlite: true,
      maxParams: 32766,
      all: async (sql: string, p: unknown[]) => cached(sql).all(...(p as never[])) as unknown as unknown[][],
      run: async (sql: string, p: unknown[]) => void cached(sql).run(...(p as never[])),
      transaction: async (fn) => {
        db.exec('BEGIN')
        try {
          await fn(driver)
          db.exec('COMMIT')
        } catch (e) {
          db.exec('ROLLBACK')
          throw e
        }
      },
    }
    return {
      workloads: {
        ...rawWrites(driver, ctx),
        W1: async () => mapPostsWithAuthor(rows(w1, FETCH), true),
        W2: async () => {
          const as = mapAuthors(rows(authors, AUTHORS))
          return attach(as, mapPosts(rows(byAuthors, ...as.map((a) => a.id)), true))
        },
        W3: async () => {
          const ps = mapPosts(rows(posts, FETCH), true)
          const out: [RawPost, RawAuthor][] = []
          for (const p of ps) {
            const r = (await (async () => author.get(p.authorId))()) as unknown as unknown[]
            out.push([p, new RawAuthor(r[0] as number, r[1] as string, r[2] as string | null)])
          }
          return out
        },
        W4: async () => {
          const out = new Array<RawPost>(ctx.ids.length)
          const get = async (id: number) => new RawPost(post.get(id) as unknown as unknown[], true)
          for (let i = 0; i < ctx.ids.length; i++) out[i] = await get(ctx.ids[i]!)
          return out
        },
        W5: async () => {
          const out: RawPost[][] = []
          const get = async (w: string) => mapPosts(rows(page, `%${w}%`), true)
          for (let i = 0; i < PAGES; i++) out.push(await get(pageWord(i)))
          return out
        },
        W11: async () => {
          const d = new StreamDigest()
          for (const r of all.iterate() as unknown as Iterable<unknown[]>) {
            const p = new RawPost(r, true)
            d.add(p.id, p.title, p.views)
          }
          return d
        },
        W12: na('PostgreSQL only'),
      },
      async close() {
        db.close()
      },
    }
  },
}
