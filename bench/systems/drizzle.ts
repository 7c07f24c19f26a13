// Drizzle, as its docs recommend for speed: prepared queries (`.prepare()` with `sql.placeholder`), in both of
// its APIs: the relational query builder (`db.query.posts.findMany({ with })`) and the SQL-like builder
// (`db.select().from().innerJoin()`). better-sqlite3 on SQLite (Drizzle has no node:sqlite driver), postgres.js
// on PostgreSQL.
import Database from 'better-sqlite3'
import { and, asc, desc, eq, getTableColumns, ilike, inArray, like, lt, or, type SQL, sql } from 'drizzle-orm'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { Cache } from 'drizzle-orm/cache/core'
import { drizzle as drizzlePg } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { sqliteDateText } from '../lib/instant.ts'
import { type Context, na, type Opened, type SystemDef } from '../lib/system.ts'
import {
  AUTHORS,
  CONCURRENT,
  CONCURRENT_ROUNDS,
  FETCH,
  type NewPost,
  PAGES,
  pageWord,
  W8_DEPTH,
  W8_FETCHES,
  W8_PAGE,
  w6Rows,
  w7Title,
} from '../lib/workloads.ts'
import { pgSchema, sqliteSchema } from './drizzle-schema.ts'
import { POOL } from './raw-postgres-js.ts'

// `any`: one body of code for Drizzle's SQLite and PostgreSQL types
type Any = any

/**
 * W9: Drizzle's opt-in query cache (0.44+) with a memory store, written as its docs' custom-cache example (the
 * built-in `upstashCache` needs the Upstash service): `explicit` strategy, queries opt in with `$withCache()`,
 * any write to a table the query read drops the entries.
 */
class MemoryCache extends Cache {
  private readonly entries = new Map<string, { tables: string[]; rows: unknown[] }>()
  override strategy(): 'explicit' {
    return 'explicit'
  }
  override async get(key: string): Promise<Any[] | undefined> {
    return this.entries.get(key)?.rows as Any[] | undefined
  }
  override async put(key: string, rows: Any, tables: string[]): Promise<void> {
    this.entries.set(key, { tables, rows })
  }
  override async onMutate(params: { tables?: unknown }): Promise<void> {
    const names = [params.tables ?? []]
      .flat()
      .map((t) => (typeof t === 'string' ? t : String((t as Any)[Symbol.for('drizzle:Name')])))
    for (const [k, e] of this.entries) if (e.tables.some((t) => names.includes(t))) this.entries.delete(k)
  }
}

async function connect(
  ctx: Context,
  cache?: Cache,
): Promise<{ db: Any; s: Any; close: () => Promise<void>; sqlite: boolean }> {
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
    db: drizzlePg(client, { schema: pgSchema, cache }),
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
  const readOnly = na(
    "the relational query API only reads: Drizzle's writes are the SQL-like API's (`db.insert` / `db.update`, its row)",
  )
  // W8: its docs' cursor-based pagination guide: `or(lt(a, x), and(eq(a, x), lt(id, y)))` on the ORDER BY's columns.
  const order = [desc(posts.createdAt), desc(posts.id)]
  const after = (a: { createdAt: Date; id: number }): SQL =>
    or(lt(posts.createdAt, a.createdAt), and(eq(posts.createdAt, a.createdAt), lt(posts.id, a.id)))!
  const offsetPage = prepared(
    api === 'rqb'
      ? db.query.posts.findMany({ orderBy: order, limit: sql.placeholder('n'), offset: sql.placeholder('skip') })
      : db
          .select()
          .from(posts)
          .orderBy(...order)
          .limit(sql.placeholder('n'))
          .offset(sql.placeholder('skip')),
    sqlite,
  )
  let anchor: { createdAt: Date; id: number } | undefined
  const findAnchor = async () =>
    (
      await db
        .select({ createdAt: posts.createdAt, id: posts.id })
        .from(posts)
        .orderBy(...order)
        .limit(1)
        .offset(W8_DEPTH - 1)
    )[0]

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
        W6: readOnly,
        'W6-loop': readOnly,
        W7: readOnly,
        'W8-offset': async () => {
          let last: unknown[] = []
          for (let i = 0; i < W8_FETCHES; i++) last = await offsetPage({ n: W8_PAGE, skip: W8_DEPTH })
          return last
        },
        'W8-keyset': async () => {
          anchor ??= await findAnchor()
          let last: unknown[] = []
          for (let i = 0; i < W8_FETCHES; i++)
            last = await db.query.posts.findMany({
              where: after(anchor!),
              orderBy: [desc(posts.createdAt), desc(posts.id)],
              limit: W8_PAGE,
            })
          return last
        },
        W9: na(
          "Drizzle's query cache applies to the SQL-like builder's selects (`$withCache()`), not to the relational query API",
        ),
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
  let bulk: NewPost[] | undefined
  let loop: NewPost[] | undefined
  let w7run = 0
  let keysetPage: ((params?: Record<string, unknown>) => Promise<Any>) | undefined
  let cached: Awaited<ReturnType<typeof connect>> | undefined
  // W6-loop: one prepared insert with placeholders, as its performance docs recommend for a statement run often.
  const insertPrepared = db
    .insert(posts)
    .values({
      title: sql.placeholder('title'),
      body: sql.placeholder('body'),
      views: sql.placeholder('views'),
      published: sql.placeholder('published'),
      createdAt: sql.placeholder('createdAt'),
      authorId: sql.placeholder('authorId'),
    })
    .prepare(sqlite ? undefined : `q${names++}`)
  const insertOne = sqlite
    ? async (r: NewPost) => insertPrepared.run(r)
    : async (r: NewPost) => insertPrepared.execute(r)
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
      // W6: `db.insert(table).values(rows)`, in a transaction; one statement may bind at most 32,766 (SQLite) /
      // 65,535 (PostgreSQL) parameters and Drizzle does not split, so the rows go in chunks of that size.
      W6: async () => {
        bulk ??= await w6Rows(ctx, false)
        const rows = bulk
        const per = Math.floor((sqlite ? 32766 : 65535) / 6)
        if (sqlite)
          db.transaction((tx: Any) => {
            for (let i = 0; i < rows.length; i += per)
              tx.insert(posts)
                .values(rows.slice(i, i + per))
                .run()
          })
        else
          await db.transaction(async (tx: Any) => {
            for (let i = 0; i < rows.length; i += per) await tx.insert(posts).values(rows.slice(i, i + per))
          })
        return rows.length
      },
      // A prepared insert with placeholders, as its performance docs recommend for a statement run many times.
      'W6-loop': async () => {
        loop ??= await w6Rows(ctx, true)
        for (const r of loop) await insertOne(r)
        return loop.length
      },
      // W7: Drizzle has no bulk update; its guide "Update many with different values" builds one
      // `UPDATE … SET title = (CASE WHEN id = ? THEN ? … END) WHERE id IN (…)` with sql.join: that, as written there.
      W7: async () => {
        w7run++
        const chunks: SQL[] = [sql`(case`]
        const ids: number[] = []
        for (let id = 1; id <= ctx.rows.update; id++) {
          chunks.push(sql`when ${posts.id} = ${id} then ${w7Title(w7run, id)}`)
          ids.push(id)
        }
        chunks.push(sql`end)`)
        const q = db
          .update(posts)
          .set({ title: sql.join(chunks, sql.raw(' ')) })
          .where(inArray(posts.id, ids))
        if (sqlite) q.run()
        else await q
        return ids.length
      },
      'W8-offset': async () => {
        let last: unknown[] = []
        for (let i = 0; i < W8_FETCHES; i++) last = await offsetPage({ n: W8_PAGE, skip: W8_DEPTH })
        return last
      },
      'W8-keyset': async () => {
        anchor ??= await findAnchor()
        keysetPage ??= prepared(
          db
            .select()
            .from(posts)
            .where(
              or(
                lt(posts.createdAt, sql.placeholder('at')),
                and(eq(posts.createdAt, sql.placeholder('at')), lt(posts.id, sql.placeholder('id'))),
              ),
            )
            .orderBy(...order)
            .limit(W8_PAGE),
          sqlite,
        )
        let last: unknown[] = []
        // A placeholder bypasses the column's mapping: the text the column stores on SQLite, and on PostgreSQL the
        // text postgres.js is given (Drizzle hands it timestamps as strings).
        const at = sqlite ? sqliteDateText(anchor!.createdAt) : anchor!.createdAt.toISOString()
        for (let i = 0; i < W8_FETCHES; i++) last = await keysetPage({ at, id: anchor!.id })
        return last
      },
      W9: sqlite
        ? na(
            "Drizzle's opt-in query cache is not consulted by its better-sqlite3 driver (0.45: the synchronous prepared queries never call it); measured on PostgreSQL",
          )
        : async () => {
            cached ??= await connect(ctx, new MemoryCache())
            const c = cached.s
            return cached.db
              .select({ ...getTableColumns(c.posts), author: getTableColumns(c.authors) })
              .from(c.posts)
              .innerJoin(c.authors, eq(c.authors.id, c.posts.authorId))
              .orderBy(desc(c.posts.createdAt))
              .limit(FETCH)
              .$withCache()
          },
      W11: noStream,
      W12: concurrent(pageOf),
    },
    close: async () => {
      await cached?.close()
      await close()
    },
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
