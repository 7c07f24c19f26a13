// TypeORM as its docs show it: a DataSource with entity schemas (EntitySchema, since Node's type stripping runs
// no decorators), repositories with find options (`relations`, `order`, `take`), ILike for case-insensitive
// search. better-sqlite3 on SQLite, pg on PostgreSQL (TypeORM returns pg's bigint keys as strings).
import 'reflect-metadata'
import { DataSource, EntitySchema, Equal, ILike, LessThan, LessThanOrEqual, Like, Raw } from 'typeorm'
import type { QueryResultCache } from 'typeorm/cache/QueryResultCache.js'
import type { QueryResultCacheOptions } from 'typeorm/cache/QueryResultCacheOptions.js'
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

/**
 * W9: TypeORM's query cache (`cache: true` on a find) with a memory store, as its caching docs allow through a
 * custom `provider` (the built-in stores are a database table and Redis). It keeps what TypeORM hands it (the raw
 * rows as JSON text); a hit parses them and builds the entities again.
 */
class MemoryResultCache implements QueryResultCache {
  private readonly entries = new Map<string, QueryResultCacheOptions>()
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async synchronize(): Promise<void> {}
  async getFromCache(options: QueryResultCacheOptions): Promise<QueryResultCacheOptions | undefined> {
    return this.entries.get(options.identifier ?? options.query!)
  }
  async storeInCache(options: QueryResultCacheOptions): Promise<void> {
    this.entries.set(options.identifier ?? options.query!, options)
  }
  isExpired(saved: QueryResultCacheOptions): boolean {
    return saved.time! + saved.duration < Date.now()
  }
  async clear(): Promise<void> {
    this.entries.clear()
  }
  async remove(identifiers: string[]): Promise<void> {
    for (const id of identifiers) this.entries.delete(id)
  }
}

import { POOL } from './raw-postgres-js.ts'

interface Author {
  id: number
  name: string
  email: string | null
  posts?: Post[]
}
interface Post {
  id: number
  title: string
  body: string
  views: number
  published: boolean
  createdAt: Date
  authorId: number
  author?: Author
}

function entities(sqlite: boolean) {
  const key = sqlite ? ('integer' as const) : ('bigint' as const)
  const AuthorEntity = new EntitySchema<Author>({
    name: 'Author',
    tableName: 'author',
    columns: {
      id: { type: key, primary: true, generated: true },
      name: { type: 'varchar' },
      email: { type: 'varchar', nullable: true },
    },
    relations: { posts: { type: 'one-to-many', target: 'Post', inverseSide: 'author' } },
  })
  const PostEntity = new EntitySchema<Post>({
    name: 'Post',
    tableName: 'blog_post',
    columns: {
      id: { type: key, primary: true, generated: true },
      title: { type: 'varchar' },
      body: { type: 'text' },
      views: { type: 'integer' },
      published: { type: 'boolean' },
      createdAt: { type: sqlite ? 'datetime' : 'timestamptz', name: 'created_at' },
      authorId: { type: key, name: 'author_id' },
    },
    relations: {
      author: { type: 'many-to-one', target: 'Author', joinColumn: { name: 'author_id' }, inverseSide: 'posts' },
    },
  })
  return { AuthorEntity, PostEntity }
}

async function open(ctx: Context): Promise<Opened> {
  const sqlite = ctx.backend === 'sqlite'
  const { AuthorEntity, PostEntity } = entities(sqlite)
  const ds = await dataSource(ctx, AuthorEntity, PostEntity)
  return workloads(ctx, ds, AuthorEntity, PostEntity)
}

async function dataSource(
  ctx: Context,
  AuthorEntity: EntitySchema<Author>,
  PostEntity: EntitySchema<Post>,
  cache?: boolean,
): Promise<DataSource> {
  const sqlite = ctx.backend === 'sqlite'
  const cacheOption = cache ? { cache: { provider: () => new MemoryResultCache() } } : {}
  const ds = new DataSource(
    sqlite
      ? {
          type: 'better-sqlite3',
          database: ctx.location,
          entities: [AuthorEntity, PostEntity],
          prepareDatabase: (db: { pragma(s: string): unknown }) => {
            db.pragma('journal_mode = WAL')
            db.pragma('synchronous = NORMAL')
            db.pragma('busy_timeout = 5000')
          },
          ...cacheOption,
        }
      : {
          type: 'postgres',
          url: ctx.location,
          entities: [AuthorEntity, PostEntity],
          extra: { max: POOL },
          ...cacheOption,
        },
  )
  await ds.initialize()
  return ds
}

async function workloads(
  ctx: Context,
  ds: DataSource,
  AuthorEntity: EntitySchema<Author>,
  PostEntity: EntitySchema<Post>,
): Promise<Opened> {
  const sqlite = ctx.backend === 'sqlite'
  const posts = ds.getRepository(PostEntity)
  const authors = ds.getRepository(AuthorEntity)
  const page = (w: string) =>
    posts.find({
      where: { published: true, title: (sqlite ? Like : ILike)(`%${w}%`) },
      order: { createdAt: 'DESC' },
      take: 20,
    })
  let bulk: NewPost[] | undefined
  let loop: NewPost[] | undefined
  let w7: Post[] | undefined
  let w7run = 0
  let anchor: Post | undefined
  let cachedDs: DataSource | undefined
  const order = { createdAt: 'DESC', id: 'DESC' } as const
  // On SQLite TypeORM binds a Date as 'YYYY-MM-DD HH:MM:SS.SSS', always with milliseconds, where the stored text
  // drops '.000': the keyset bound is given as the stored text there.
  const before = (at: Date) => (sqlite ? Raw((col) => `${col} < :at`, { at: sqliteDateText(at) }) : LessThan(at))
  const same = (at: Date) => (sqlite ? Raw((col) => `${col} = :at2`, { at2: sqliteDateText(at) }) : Equal(at))
  return {
    workloads: {
      // W6: the QueryBuilder insert, which its docs call the most efficient way to insert rows, without reading the
      // generated ids back (`updateEntity(false)`), in a transaction. It does not split a statement past the
      // driver's parameter limit (32,766 on SQLite, 65,535 on PostgreSQL), so the rows go in chunks of that size.
      W6: async () => {
        bulk ??= await w6Rows(ctx, false)
        const rows = bulk
        const per = Math.floor((sqlite ? 32766 : 65535) / 6)
        await ds.transaction(async (m) => {
          for (let i = 0; i < rows.length; i += per)
            await m
              .createQueryBuilder()
              .insert()
              .into(PostEntity)
              .values(rows.slice(i, i + per))
              .updateEntity(false)
              .execute()
        })
        return rows.length
      },
      // repository.save(entity): what its docs show for creating one row.
      'W6-loop': async () => {
        loop ??= await w6Rows(ctx, true)
        for (const r of loop) await posts.save(posts.create(r))
        return loop.length
      },
      // W7: TypeORM has no bulk update with a value per row; its docs' way is repository.save(entities): it reads
      // them back, then one UPDATE per changed entity, in one transaction.
      W7: async () => {
        w7 ??= await posts.find({ where: { id: LessThanOrEqual(ctx.rows.update) }, order: { id: 'ASC' } })
        w7run++
        for (const p of w7) p.title = w7Title(w7run, p.id)
        await posts.save(w7)
        return w7.length
      },
      'W8-offset': async () => {
        let last: Post[] = []
        for (let i = 0; i < W8_FETCHES; i++) last = await posts.find({ order, skip: W8_DEPTH, take: W8_PAGE })
        return last
      },
      // Keyset: TypeORM has no cursor pagination; find options with an OR of conditions (`where: [ … ]`).
      'W8-keyset': async () => {
        anchor ??= (await posts.find({ select: { id: true, createdAt: true }, order, skip: W8_DEPTH - 1, take: 1 }))[0]!
        const a = anchor
        let last: Post[] = []
        for (let i = 0; i < W8_FETCHES; i++)
          last = await posts.find({
            where: [{ createdAt: before(a.createdAt) }, { createdAt: same(a.createdAt), id: LessThan(a.id) }],
            order,
            take: W8_PAGE,
          })
        return last
      },
      W9: async () => {
        cachedDs ??= await dataSource(ctx, AuthorEntity, PostEntity, true)
        return cachedDs
          .getRepository(PostEntity)
          .find({ relations: { author: true }, order: { createdAt: 'DESC' }, take: FETCH, cache: 3_600_000 })
      },
      W1: () => posts.find({ relations: { author: true }, order: { createdAt: 'DESC' }, take: FETCH }),
      // Ordering the joined posts in find options (`order: { posts: { createdAt: 'DESC' } }`) together with `take`
      // returns 5 authors instead of 100 in TypeORM 1.1, so each author's posts are sorted here.
      W2: async () => {
        const as = await authors.find({ relations: { posts: true }, order: { id: 'ASC' }, take: AUTHORS })
        for (const a of as) a.posts!.sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime())
        return as
      },
      W3: async () => {
        const out: [unknown, unknown][] = []
        for (const p of await posts.find({ order: { createdAt: 'DESC' }, take: FETCH }))
          out.push([p, await authors.findOneByOrFail({ id: p.authorId })])
        return out
      },
      W4: async () => {
        const out = new Array(ctx.ids.length)
        for (let i = 0; i < ctx.ids.length; i++) out[i] = await posts.findOneByOrFail({ id: ctx.ids[i]! })
        return out
      },
      W5: async () => {
        const out = []
        for (let i = 0; i < PAGES; i++) out.push(await page(pageWord(i)))
        return out
      },
      W11: na(
        sqlite
          ? 'TypeORM’s QueryBuilder.stream() is not supported on better-sqlite3'
          : 'TypeORM’s QueryBuilder.stream() on pg needs the separate pg-query-stream package',
      ),
      W12: sqlite
        ? na('PostgreSQL only')
        : async () => {
            const out = []
            for (let round = 0; round < CONCURRENT_ROUNDS; round++)
              out.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => page(pageWord(i))))))
            return out
          },
    },
    close: async () => {
      await cachedDs?.destroy()
      await ds.destroy()
    },
  }
}

export const system: SystemDef = {
  id: 'typeorm',
  label: 'TypeORM',
  packages: ['typeorm'],
  backends: { sqlite: true, postgres: true },
  open,
}
