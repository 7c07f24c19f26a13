// Drizzle, as its docs recommend for speed: prepared queries (`.prepare()` with `sql.placeholder`), in both of
// its APIs: the relational query builder (`db.query.posts.findMany({ with })`) and the SQL-like builder
// (`db.select().from().innerJoin()`). better-sqlite3 on SQLite (Drizzle has no node:sqlite driver), postgres.js
// on PostgreSQL.
import Database from 'better-sqlite3'
import { asc, desc, eq, getTableColumns, ilike, inArray, like, sql } from 'drizzle-orm'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { type Context, na, type Opened, type SystemDef } from '../lib/system.ts'
import { AUTHORS, CONCURRENT, CONCURRENT_ROUNDS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
import { pgSchema, sqliteSchema } from './drizzle-schema.ts'
import { POOL } from './raw-postgres-js.ts'

// `any`: one body of code for Drizzle's SQLite and PostgreSQL types
type Any = any

async function connect(ctx: Context): Promise<{ db: Any; s: Any; close: () => Promise<void>; sqlite: boolean }> {
  if (ctx.backend === 'sqlite') {
    const client = new Database(ctx.location)
    client.pragma('journal_mode = WAL')
    client.pragma('synchronous = NORMAL')
    client.pragma('foreign_keys = ON')
    client.pragma('busy_timeout = 5000')
    return {
      db: drizzleSqlite(client, { schema: sqliteSchema }),
      s: sqliteSchema,
      close: async () => void client.close(),
      sqlite: true,
    }
  }
  const client = postgres(ctx.location, { max: POOL, onnotice: () => {} })
  return {
    db: drizzlePg(client, { schema: pgSchema }),
    s: pgSchema,
    close: () => client.end({ timeout: 5 }),
    sqlite: false,
  }
}

let names = 0
/** `.prepare()` (PostgreSQL wants a statement name) and one way to run it on both backends. */
function prepared(q: Any, sqlite: boolean, one = false): (params?: Record<string, unknown>) => Promise<Any> {
  const p = sqlite ? q.prepare() : q.prepare(`q${names++}`)
  if (sqlite) return one ? async (params) => p.get(params) : async (params) => p.all(params)
  return one ? async (params) => (await p.execute(params))[0] : (params) => p.execute(params)
}

/** The relational API's findFirst is already one row. */
function preparedFirst(q: Any, sqlite: boolean): (params?: Record<string, unknown>) => Promise<Any> {
  const p = sqlite ? q.prepare() : q.prepare(`q${names++}`)
  return async (params) => p.execute(params)
}

/** Posts grouped under their authors, for the SQL-like API's two-query W2. */
function attach(authors: Any[], posts: Any[]): Any[] {
  const byId = new Map<number, Any>()
  for (const a of authors) byId.set(a.id, Object.assign(a, { posts: [] }))
  for (const p of posts) byId.get(p.authorId).posts.push(p)
  return authors
}

async function open(ctx: Context, api: 'rqb' | 'sql'): Promise<Opened> {
  const { db, s, close, sqlite } = await connect(ctx)
  const { authors, posts } = s
  const contains = sqlite ? like : ilike
  const concurrent = (page: (w: string) => Promise<unknown>) =>
    sqlite
      ? na('PostgreSQL only')
      : async () => {
          const out = []
          for (let round = 0; round < CONCURRENT_ROUNDS; round++)
            out.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => page(pageWord(i))))))
          return out
        }
  const pages = (page: (w: string) => Promise<unknown>) => async () => {
    const out = []
    for (let i = 0; i < PAGES; i++) out.push(await page(pageWord(i)))
    return out
  }
  const gets = (get: (id: number) => Promise<unknown>) => async () => {
    const out = new Array(ctx.ids.length)
    for (let i = 0; i < ctx.ids.length; i++) out[i] = await get(ctx.ids[i]!)
    return out
  }
  const noStream = na('Drizzle 0.45 has no streaming or iterator API for these drivers')

  if (api === 'rqb') {
    const w1 = prepared(
      db.query.posts.findMany({
        with: { author: true },
        orderBy: [desc(posts.createdAt)],
        limit: sql.placeholder('n'),
      }),
      sqlite,
    )
    const w2 = prepared(
      db.query.authors.findMany({
        orderBy: [asc(authors.id)],
        limit: sql.placeholder('n'),
        with: { posts: { orderBy: [desc(posts.createdAt)] } },
      }),
      sqlite,
    )
    const list = prepared(
      db.query.posts.findMany({ orderBy: [desc(posts.createdAt)], limit: sql.placeholder('n') }),
      sqlite,
    )
    const author = preparedFirst(db.query.authors.findFirst({ where: eq(authors.id, sql.placeholder('id')) }), sqlite)
    const post = preparedFirst(db.query.posts.findFirst({ where: eq(posts.id, sql.placeholder('id')) }), sqlite)
    const page = prepared(
      db.query.posts.findMany({
        where: (p: Any, { and }: Any) => and(eq(p.published, true), contains(p.title, sql.placeholder('w'))),
        orderBy: [desc(posts.createdAt)],
        limit: 20,
      }),
      sqlite,
    )
    const pageOf = (w: string) => page({ w: `%${w}%` })
    return {
      workloads: {
        W1: () => w1({ n: FETCH }),
        W2: () => w2({ n: AUTHORS }),
        W3: async () => {
          const out: [unknown, unknown][] = []
          for (const p of await list({ n: FETCH })) out.push([p, await author({ id: p.authorId })])
          return out
        },
        W4: gets((id) => post({ id })),
        W5: pages(pageOf),
        W11: noStream,
        W12: concurrent(pageOf),
      },
      close,
    }
  }

  const w1 = prepared(
    db
      .select({ ...getTableColumns(posts), author: getTableColumns(authors) })
      .from(posts)
      .innerJoin(authors, eq(authors.id, posts.authorId))
      .orderBy(desc(posts.createdAt))
      .limit(sql.placeholder('n')),
    sqlite,
  )
  const authorList = prepared(db.select().from(authors).orderBy(asc(authors.id)).limit(sql.placeholder('n')), sqlite)
  const list = prepared(db.select().from(posts).orderBy(desc(posts.createdAt)).limit(sql.placeholder('n')), sqlite)
  const author = prepared(
    db
      .select()
      .from(authors)
      .where(eq(authors.id, sql.placeholder('id'))),
    sqlite,
    true,
  )
  const post = prepared(
    db
      .select()
      .from(posts)
      .where(eq(posts.id, sql.placeholder('id'))),
    sqlite,
    true,
  )
  const page = prepared(
    db
      .select()
      .from(posts)
      .where(
        sql`${posts.published} = ${sqlite ? sql`1` : sql`true`} and ${contains(posts.title, sql.placeholder('w'))}`,
      )
      .orderBy(desc(posts.createdAt))
      .limit(20),
    sqlite,
  )
  const pageOf = (w: string) => page({ w: `%${w}%` })
  return {
    workloads: {
      W1: () => w1({ n: FETCH }),
      W2: async () => {
        const as = await authorList({ n: AUTHORS })
        // An IN list's length is part of the statement: built per call, as the docs show for inArray.
        const ps = await db
          .select()
          .from(posts)
          .where(
            inArray(
              posts.authorId,
              as.map((a: Any) => a.id),
            ),
          )
          .orderBy(asc(posts.authorId), desc(posts.createdAt))
        return attach(as, ps)
      },
      W3: async () => {
        const out: [unknown, unknown][] = []
        for (const p of await list({ n: FETCH })) out.push([p, await author({ id: p.authorId })])
        return out
      },
      W4: gets((id) => post({ id })),
      W5: pages(pageOf),
      W11: noStream,
      W12: concurrent(pageOf),
    },
    close,
  }
}

const backends = { sqlite: true, postgres: true } as const

export const queryApi: SystemDef = {
  id: 'drizzle-rqb',
  label: 'Drizzle (relational queries)',
  packages: ['drizzle-orm'],
  backends,
  open: (ctx) => open(ctx, 'rqb'),
}

export const sqlApi: SystemDef = {
  id: 'drizzle-sql',
  label: 'Drizzle (SQL-like)',
  packages: ['drizzle-orm'],
  backends,
  open: (ctx) => open(ctx, 'sql'),
}
