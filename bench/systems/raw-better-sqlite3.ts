// Hand-written better-sqlite3: cached prepared statements in raw (array) mode, hand mapping.
import Database from 'better-sqlite3'
import { StreamDigest } from '../lib/checksum.ts'
import { na, type SystemDef } from '../lib/system.ts'
import { AUTHORS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
import { attach, mapAuthors, mapPosts, mapPostsWithAuthor, POST_COLS, RawAuthor, RawPost, SQL } from './raw-shared.ts'
import { type RawDriver, rawWrites } from './raw-writes.ts'

export const system: SystemDef = {
  id: 'raw-better-sqlite3',
  label: 'raw better-sqlite3',
  raw: true,
  packages: ['better-sqlite3'],
  backends: { sqlite: true, postgres: 'a SQLite driver' },
  async open(ctx) {
    const db = new Database(ctx.location)
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const prep = (sql: string) => db.prepare(sql).raw(true)
    type St = ReturnType<typeof prep>
    const rows = (st: St, ...p: (string | number)[]) => st.all(...p) as unknown[][]
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
    const cache = new Map<string, St>()
    const cached = (sql: string) => {
      let st = cache.get(sql)
      if (!st) cache.set(sql, (st = prep(sql)))
      return st
    }
    // better-sqlite3's run() is on a statement that returns no rows: a plain prepare (raw mode is for reads).
    const runCache = new Map<string, ReturnType<typeof db.prepare>>()
    const driver: RawDriver = {
      sqlite: true,
      maxParams: 32766,
      all: async (sql: string, p: unknown[]) => cached(sql).all(...p) as unknown[][],
      run: async (sql: string, p: unknown[]) => {
        let st = runCache.get(sql)
        if (!st) runCache.set(sql, (st = db.prepare(sql)))
        st.run(...p)
      },
      transaction: async (fn) => {
        db.prepare('BEGIN').run()
        try {
          await fn(driver)
          db.prepare('COMMIT').run()
        } catch (e) {
          db.prepare('ROLLBACK').run()
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
            const r = (await (async () => author.get(p.authorId))()) as unknown[]
            out.push([p, new RawAuthor(r[0] as number, r[1] as string, r[2] as string | null)])
          }
          return out
        },
        W4: async () => {
          const out = new Array<RawPost>(ctx.ids.length)
          const get = async (id: number) => new RawPost(post.get(id) as unknown[], true)
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
          for (const r of all.iterate() as Iterable<unknown[]>) {
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
