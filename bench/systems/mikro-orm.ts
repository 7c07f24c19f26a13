// MikroORM 7 as its docs show it: entity schemas (EntitySchema: no decorators under Node's type stripping), an
// EntityManager fork per unit of work (here per timed run; per get in W4, as a request would), `populate` with
// the default joined strategy, `em.stream()` for W11. The identity map is MikroORM's own: within one fork an
// entity already loaded is not fetched again.
import { BigIntType, type MikroORM as CoreORM, EntitySchema, wrap } from '@mikro-orm/core'
import { StreamDigest } from '../lib/checksum.ts'
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
import { POOL } from './raw-postgres-js.ts'

class Author {
  id!: number
  name!: string
  email!: string | null
  posts!: unknown
}
class Post {
  id!: number
  title!: string
  body!: string
  views!: number
  published!: boolean
  createdAt!: Date
  author!: Author
}

/** The SQL EntityManager's query builder (the core type does not declare it). */
type SqlEm = {
  createQueryBuilder(
    entity: typeof Post,
    alias: string,
  ): {
    where(sql: string, params: unknown[]): SqlQb
  }
}
type SqlQb = {
  orderBy(o: object): SqlQb
  limit(n: number): SqlQb
  getResultList(): Promise<Post[]>
}

const AuthorSchema = new EntitySchema<Author>({
  class: Author,
  tableName: 'author',
  properties: {
    id: { type: 'number', primary: true },
    name: { type: 'string' },
    email: { type: 'string', nullable: true },
    // `as never`: the schema's property types cannot see that Post.author is the inverse side.
    posts: { kind: '1:m', entity: () => Post, mappedBy: 'author' } as never,
  },
})

const PostSchema = new EntitySchema<Post>({
  class: Post,
  tableName: 'blog_post',
  properties: {
    // quarry's PostgreSQL keys are bigint: mapped to numbers, as the others read them (with `type: 'number'` pg's
    // text keys reach the entities, and em.flush() refuses to update them: W7).
    id: { type: new BigIntType('number'), primary: true },
    title: { type: 'string' },
    body: { type: 'text' },
    views: { type: 'number' },
    published: { type: 'boolean' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    author: { kind: 'm:1', entity: () => Author, fieldName: 'author_id' },
  },
})

async function open(ctx: Context): Promise<Opened> {
  const sqlite = ctx.backend === 'sqlite'
  const entities = [AuthorSchema, PostSchema]
  let orm: CoreORM
  if (sqlite) {
    const { MikroORM } = await import('@mikro-orm/sqlite')
    orm = (await MikroORM.init({
      entities,
      dbName: ctx.location,
      debug: !!process.env.MIKRO_DEBUG,
    })) as unknown as CoreORM
  } else {
    const { MikroORM } = await import('@mikro-orm/postgresql')
    orm = (await MikroORM.init({
      entities,
      clientUrl: ctx.location,
      pool: { max: POOL },
      debug: false,
    })) as unknown as CoreORM
  }
  const page = (w: string) =>
    orm.em
      .fork()
      .find(
        Post,
        { published: true, title: sqlite ? { $like: `%${w}%` } : { $ilike: `%${w}%` } },
        { orderBy: { createdAt: 'desc' }, limit: 20 },
      )
  let bulk: NewPost[] | undefined
  let loop: NewPost[] | undefined
  let w7: { em: ReturnType<typeof orm.em.fork>; posts: Post[] } | undefined
  let w7run = 0
  let anchor: { createdAt: Date; id: number } | undefined
  const order = { createdAt: 'desc', id: 'desc' } as const
  const entity = (p: NewPost) => ({
    title: p.title,
    body: p.body,
    views: p.views,
    published: p.published,
    createdAt: p.createdAt,
    author: p.authorId,
  })
  return {
    workloads: {
      // W6: em.insertMany, its native bulk insert (no entities, no unit of work), in a transaction. It puts every
      // row in one statement, past the driver's parameter limit (32,766 on SQLite, 65,535 on PostgreSQL), so the
      // rows go in chunks of that size.
      W6: async () => {
        bulk ??= await w6Rows(ctx, false)
        const rows = bulk
        const per = Math.floor((sqlite ? 32766 : 65535) / 6)
        await orm.em.fork().transactional(async (em) => {
          for (let i = 0; i < rows.length; i += per)
            await em.insertMany(Post, rows.slice(i, i + per).map(entity) as never)
        })
        return rows.length
      },
      // em.create + em.flush per row, each in its own fork (a request's unit of work, as W4 forks per get).
      'W6-loop': async () => {
        loop ??= await w6Rows(ctx, true)
        for (const r of loop) {
          const em = orm.em.fork()
          em.create(Post, entity(r) as never)
          await em.flush()
        }
        return loop.length
      },
      // W7: the unit of work: change the loaded entities, em.flush() (it batches the updates).
      W7: async () => {
        if (!w7) {
          const em = orm.em.fork()
          w7 = { em, posts: await em.find(Post, { id: { $lte: ctx.rows.update } }, { orderBy: { id: 'asc' } }) }
        }
        w7run++
        for (const p of w7.posts) p.title = w7Title(w7run, p.id)
        await w7.em.flush()
        return w7.posts.length
      },
      'W8-offset': async () => {
        let last: Post[] = []
        for (let i = 0; i < W8_FETCHES; i++)
          last = await orm.em.fork().find(Post, {}, { orderBy: order, limit: W8_PAGE, offset: W8_DEPTH })
        return last
      },
      // Keyset: em.findByCursor with the last row seen as the cursor, without its total count (includeCount). On
      // SQLite MikroORM stores a Date as epoch milliseconds and binds the cursor's date so, which never compares with
      // the text this data set stores: there its QueryBuilder with the row-value condition, bound to the stored text.
      'W8-keyset': async () => {
        if (!anchor) {
          const [a] = await orm.em.fork().find(Post, {}, { orderBy: order, limit: 1, offset: W8_DEPTH - 1 })
          anchor = { createdAt: a!.createdAt, id: a!.id }
        }
        const a = anchor
        let last: Post[] = []
        for (let i = 0; i < W8_FETCHES; i++)
          last = sqlite
            ? await (orm.em.fork() as unknown as SqlEm)
                .createQueryBuilder(Post, 'p')
                .where('(p.created_at, p.id) < (?, ?)', [sqliteDateText(a.createdAt), a.id])
                .orderBy(order)
                .limit(W8_PAGE)
                .getResultList()
            : (
                await orm.em
                  .fork()
                  .findByCursor(Post, { first: W8_PAGE, after: a as never, orderBy: order, includeCount: false })
              ).items
        return last
      },
      // W9: its result cache (`cache` on a find), on the default memory adapter.
      W9: () =>
        orm.em
          .fork()
          .find(
            Post,
            {},
            { populate: ['author'], orderBy: { createdAt: 'desc' }, limit: FETCH, cache: ['w9', 3_600_000] },
          ),
      W1: () => orm.em.fork().find(Post, {}, { populate: ['author'], orderBy: { createdAt: 'desc' }, limit: FETCH }),
      W2: () =>
        orm.em
          .fork()
          .find(
            Author,
            {},
            { populate: ['posts'], orderBy: { id: 'asc', posts: { createdAt: 'desc' } }, limit: AUTHORS },
          ),
      W3: async () => {
        const em = orm.em.fork()
        const out: [unknown, unknown][] = []
        for (const p of await em.find(Post, {}, { orderBy: { createdAt: 'desc' }, limit: FETCH }))
          out.push([p, await wrap(p.author).init()])
        return out
      },
      W4: async () => {
        const out = new Array(ctx.ids.length)
        for (let i = 0; i < ctx.ids.length; i++) out[i] = await orm.em.fork().findOneOrFail(Post, ctx.ids[i]!)
        return out
      },
      W5: async () => {
        const out = []
        for (let i = 0; i < PAGES; i++) out.push(await page(pageWord(i)))
        return out
      },
      W11: async () => {
        const d = new StreamDigest()
        for await (const p of orm.em.fork().stream(Post)) d.add(p.id, p.title, p.views)
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
    close: () => orm.close(true),
  }
}

export const system: SystemDef = {
  id: 'mikro-orm',
  label: 'MikroORM',
  packages: ['@mikro-orm/core', '@mikro-orm/sqlite', '@mikro-orm/postgresql'],
  backends: { sqlite: true, postgres: true },
  open,
}
