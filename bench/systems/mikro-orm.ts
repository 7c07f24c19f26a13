// MikroORM 7 as its docs show it: entity schemas (EntitySchema: no decorators under Node's type stripping), an
// EntityManager fork per unit of work (here per timed run; per get in W4, as a request would), `populate` with
// the default joined strategy, `em.stream()` for W11. The identity map is MikroORM's own: within one fork an
// entity already loaded is not fetched again.
import { type MikroORM as CoreORM, EntitySchema, wrap } from '@mikro-orm/core'
import { StreamDigest } from '../lib/checksum.ts'
import { type Context, na, type Opened, type SystemDef } from '../lib/system.ts'
import { AUTHORS, CONCURRENT, CONCURRENT_ROUNDS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
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
    id: { type: 'number', primary: true },
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
    orm = (await MikroORM.init({ entities, dbName: ctx.location, debug: false })) as unknown as CoreORM
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
  return {
    workloads: {
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
