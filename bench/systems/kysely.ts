// Kysely as its docs recommend: a typed database interface, better-sqlite3 / pg pool dialects, nested relations
// with the `jsonObjectFrom` / `jsonArrayFrom` helpers (the docs' "relations" recipe). Rows are what the driver
// returns: on SQLite published is 0/1 and created_at text; pg returns bigint keys as strings.
import Database from 'better-sqlite3'
import { Kysely, ParseJSONResultsPlugin, PostgresDialect, SqliteDialect } from 'kysely'
import * as pgHelpers from 'kysely/helpers/postgres'
import * as sqliteHelpers from 'kysely/helpers/sqlite'
import pg from 'pg'
import Cursor from 'pg-cursor'
import { StreamDigest } from '../lib/checksum.ts'
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
import { POOL } from './raw-postgres-js.ts'

interface AuthorTable {
  id: number
  name: string
  email: string | null
}
interface PostTable {
  id: number
  title: string
  body: string
  views: number
  published: boolean | number
  created_at: Date | string
  author_id: number
}
interface DB {
  author: AuthorTable
  blog_post: PostTable
}

// `any`: W7's CASE builder changes type with every branch
type Any = any

const POST = ['p.id', 'p.title', 'p.body', 'p.views', 'p.published', 'p.created_at', 'p.author_id'] as const

async function open(ctx: Context): Promise<Opened> {
  const sqlite = ctx.backend === 'sqlite'
  let db: Kysely<DB>
  if (sqlite) {
    const database = new Database(ctx.location)
    database.pragma('journal_mode = WAL')
    database.pragma('synchronous = NORMAL')
    database.pragma('foreign_keys = ON')
    database.pragma('busy_timeout = 5000')
    // The SQLite JSON helpers return text; the plugin parses it (as the helpers' docs say).
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database }), plugins: [new ParseJSONResultsPlugin()] })
  } else {
    // `cursor`: pg-cursor, which Kysely's docs name for `.stream()` on PostgreSQL.
    db = new Kysely<DB>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: ctx.location, max: POOL }),
        cursor: Cursor,
      }),
    })
  }
  const { jsonArrayFrom, jsonObjectFrom } = sqlite ? sqliteHelpers : pgHelpers
  const page = (w: string) =>
    db
      .selectFrom('blog_post as p')
      .select(POST)
      .where('p.published', '=', sqlite ? 1 : true)
      .where('p.title', sqlite ? 'like' : 'ilike', `%${w}%`)
      .orderBy('p.created_at', 'desc')
      .limit(20)
      .execute()
  // The driver's own values: 0/1 and ISO text on SQLite (better-sqlite3 binds no booleans or dates).
  const row = (p: NewPost) => ({
    title: p.title,
    body: p.body,
    views: p.views,
    published: sqlite ? (p.published ? 1 : 0) : p.published,
    created_at: sqlite ? p.createdAt.toISOString() : p.createdAt,
    author_id: p.authorId,
  })
  let bulk: NewPost[] | undefined
  let loop: NewPost[] | undefined
  let w7run = 0
  let anchor: { created_at: Date | string; id: number } | undefined
  const ordered = () => db.selectFrom('blog_post').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc')
  return {
    workloads: {
      // W6: insertInto().values(rows) in a transaction; Kysely does not split a statement past the driver's
      // parameter limit (32,766 on SQLite, 65,535 on PostgreSQL), so the rows go in chunks of that size.
      W6: async () => {
        bulk ??= await w6Rows(ctx, false)
        const rows = bulk
        const per = Math.floor((sqlite ? 32766 : 65535) / 6)
        await db.transaction().execute(async (trx) => {
          for (let i = 0; i < rows.length; i += per)
            await trx
              .insertInto('blog_post')
              .values(rows.slice(i, i + per).map(row) as never)
              .execute()
        })
        return rows.length
      },
      'W6-loop': async () => {
        loop ??= await w6Rows(ctx, true)
        for (const p of loop)
          await db
            .insertInto('blog_post')
            .values(row(p) as never)
            .execute()
        return loop.length
      },
      // W7: Kysely has no bulk update; its expression builder's CASE (`eb.case().when(…).then(…)…end()`) in one
      // UPDATE … WHERE id IN (…), the statement Drizzle's guide writes too.
      W7: async () => {
        w7run++
        const ids = Array.from({ length: ctx.rows.update }, (_, i) => i + 1)
        await db
          .updateTable('blog_post')
          .set((eb) => {
            let c: Any = eb.case()
            for (const id of ids) c = c.when('id', '=', id).then(w7Title(w7run, id))
            return { title: c.end() }
          })
          .where('id', 'in', ids)
          .execute()
        return ids.length
      },
      'W8-offset': async () => {
        let last: unknown[] = []
        for (let i = 0; i < W8_FETCHES; i++) last = await ordered().limit(W8_PAGE).offset(W8_DEPTH).execute()
        return last
      },
      // Keyset: a row-value comparison on the ORDER BY's columns (refTuple / tuple, from its docs).
      'W8-keyset': async () => {
        anchor ??= (await db
          .selectFrom('blog_post')
          .select(['created_at', 'id'])
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .offset(W8_DEPTH - 1)
          .executeTakeFirstOrThrow()) as { created_at: Date | string; id: number }
        const a = anchor
        let last: unknown[] = []
        for (let i = 0; i < W8_FETCHES; i++)
          last = await ordered()
            .where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(a.created_at, a.id)))
            .limit(W8_PAGE)
            .execute()
        return last
      },
      W9: na('Kysely has no query cache'),
      W1: () =>
        db
          .selectFrom('blog_post as p')
          .select(POST)
          .select((eb) => [
            jsonObjectFrom(
              eb.selectFrom('author as a').select(['a.id', 'a.name', 'a.email']).whereRef('a.id', '=', 'p.author_id'),
            )
              .$notNull()
              .as('author'),
          ])
          .orderBy('p.created_at', 'desc')
          .limit(FETCH)
          .execute(),
      W2: () =>
        db
          .selectFrom('author as a')
          .select(['a.id', 'a.name', 'a.email'])
          .select((eb) => [
            jsonArrayFrom(
              eb
                .selectFrom('blog_post as p')
                .select(POST)
                .whereRef('p.author_id', '=', 'a.id')
                .orderBy('p.created_at', 'desc'),
            ).as('posts'),
          ])
          .orderBy('a.id')
          .limit(AUTHORS)
          .execute(),
      W3: async () => {
        const posts = await db
          .selectFrom('blog_post as p')
          .select(POST)
          .orderBy('p.created_at', 'desc')
          .limit(FETCH)
          .execute()
        const out: [unknown, unknown][] = []
        for (const p of posts)
          out.push([
            p,
            await db.selectFrom('author').selectAll().where('id', '=', p.author_id).executeTakeFirstOrThrow(),
          ])
        return out
      },
      W4: async () => {
        const out = new Array(ctx.ids.length)
        for (let i = 0; i < ctx.ids.length; i++)
          out[i] = await db.selectFrom('blog_post').selectAll().where('id', '=', ctx.ids[i]!).executeTakeFirstOrThrow()
        return out
      },
      W5: async () => {
        const out = []
        for (let i = 0; i < PAGES; i++) out.push(await page(pageWord(i)))
        return out
      },
      W11: async () => {
        const d = new StreamDigest()
        for await (const p of db.selectFrom('blog_post').selectAll().stream(2000)) d.add(Number(p.id), p.title, p.views)
        return d
      },
      W12: sqlite
        ? na('PostgreSQL only')
        : async () => {
            const out = []
            for (let round = 0; round < CONCURRENT_ROUNDS; round++)
              out.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => page(pageWord(i))))))
            return out
          },
    },
    close: () => db.destroy(),
  }
}

export const system: SystemDef = {
  id: 'kysely',
  label: 'Kysely',
  packages: ['kysely'],
  backends: { sqlite: true, postgres: true },
  open,
}
