// TypeORM as its docs show it: a DataSource with entity schemas (EntitySchema, since Node's type stripping runs
// no decorators), repositories with find options (`relations`, `order`, `take`), ILike for case-insensitive
// search. better-sqlite3 on SQLite, pg on PostgreSQL (TypeORM returns pg's bigint keys as strings).
import 'reflect-metadata'
import { DataSource, EntitySchema, ILike, Like } from 'typeorm'
import { type Context, na, type Opened, type SystemDef } from '../lib/system.ts'
import { AUTHORS, CONCURRENT, CONCURRENT_ROUNDS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
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
        }
      : { type: 'postgres', url: ctx.location, entities: [AuthorEntity, PostEntity], extra: { max: POOL } },
  )
  await ds.initialize()
  const posts = ds.getRepository(PostEntity)
  const authors = ds.getRepository(AuthorEntity)
  const page = (w: string) =>
    posts.find({
      where: { published: true, title: (sqlite ? Like : ILike)(`%${w}%`) },
      order: { createdAt: 'DESC' },
      take: 20,
    })
  return {
    workloads: {
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
    close: () => ds.destroy(),
  }
}

export const system: SystemDef = {
  id: 'typeorm',
  label: 'TypeORM',
  packages: ['typeorm'],
  backends: { sqlite: true, postgres: true },
  open,
}
