// Prisma 7 as its docs show it: the `prisma-client` generator (TypeScript output, no Rust query engine) with a
// driver adapter (better-sqlite3 on SQLite, pg on PostgreSQL), findMany with `include`, findUniqueOrThrow.
// `prisma generate` runs from bench/lib/setup.ts; the tables are quarry's (schema.*.prisma maps them).
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
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

async function open(ctx: Context): Promise<Opened> {
  const sqlite = ctx.backend === 'sqlite'
  // One client type for both generated clients (they differ only in the provider).
  type Client = import('../prisma/generated/sqlite/client.ts').PrismaClient
  const { PrismaClient } = (
    sqlite
      ? await import('../prisma/generated/sqlite/client.ts')
      : await import('../prisma/generated/postgresql/client.ts')
  ) as { PrismaClient: new (options: unknown) => Client }
  const adapter = sqlite
    ? new PrismaBetterSqlite3({ url: `file:${ctx.location}` }, { timestampFormat: 'iso8601' })
    : new PrismaPg({ connectionString: ctx.location, max: POOL })
  const prisma = new PrismaClient({ adapter })
  await prisma.$connect()
  const page = (w: string) =>
    prisma.post.findMany({
      where: { published: true, title: sqlite ? { contains: w } : ({ contains: w, mode: 'insensitive' } as never) },
      orderBy: { createdAt: 'desc' },
      take: 20,
    })
  let bulk: NewPost[] | undefined
  let loop: NewPost[] | undefined
  let w7run = 0
  let anchor: number | undefined
  const order = [{ createdAt: 'desc' as const }, { id: 'desc' as const }]
  return {
    workloads: {
      // W6: createMany({ data }), one call.
      W6: async () => {
        bulk ??= await w6Rows(ctx, false)
        return (await prisma.post.createMany({ data: bulk })).count
      },
      'W6-loop': async () => {
        loop ??= await w6Rows(ctx, true)
        for (const r of loop) await prisma.post.create({ data: r })
        return loop.length
      },
      // W7: Prisma has no bulk update with a value per row (updateMany sets the same values); its docs' way is one
      // update per row in a batch transaction ($transaction([...])).
      W7: async () => {
        w7run++
        const n = w7run
        await prisma.$transaction(
          Array.from({ length: ctx.rows.update }, (_, i) =>
            prisma.post.update({ where: { id: i + 1 }, data: { title: w7Title(n, i + 1) }, select: { id: true } }),
          ),
        )
        return ctx.rows.update
      },
      'W8-offset': async () => {
        let last: unknown[] = []
        for (let i = 0; i < W8_FETCHES; i++)
          last = await prisma.post.findMany({ orderBy: order, skip: W8_DEPTH, take: W8_PAGE })
        return last
      },
      // Keyset: Prisma's cursor-based pagination (`cursor: { id }, skip: 1`, its docs' form).
      'W8-keyset': async () => {
        anchor ??= (
          await prisma.post.findMany({ orderBy: order, skip: W8_DEPTH - 1, take: 1, select: { id: true } })
        )[0]!.id
        let last: unknown[] = []
        for (let i = 0; i < W8_FETCHES; i++)
          last = await prisma.post.findMany({ orderBy: order, cursor: { id: anchor }, skip: 1, take: W8_PAGE })
        return last
      },
      W9: na('Prisma has no query cache in its client: its caching is Prisma Accelerate, a paid remote service'),
      W1: () => prisma.post.findMany({ include: { author: true }, orderBy: { createdAt: 'desc' }, take: FETCH }),
      W2: () =>
        prisma.author.findMany({
          include: { posts: { orderBy: { createdAt: 'desc' } } },
          orderBy: { id: 'asc' },
          take: AUTHORS,
        }),
      W3: async () => {
        const out: [unknown, unknown][] = []
        for (const p of await prisma.post.findMany({ orderBy: { createdAt: 'desc' }, take: FETCH }))
          out.push([p, await prisma.author.findUniqueOrThrow({ where: { id: p.authorId } })])
        return out
      },
      W4: async () => {
        const out = new Array(ctx.ids.length)
        for (let i = 0; i < ctx.ids.length; i++)
          out[i] = await prisma.post.findUniqueOrThrow({ where: { id: ctx.ids[i]! } })
        return out
      },
      W5: async () => {
        const out = []
        for (let i = 0; i < PAGES; i++) out.push(await page(pageWord(i)))
        return out
      },
      W11: na('Prisma has no streaming or cursor API (findMany loads the whole result)'),
      W12: sqlite
        ? na('PostgreSQL only')
        : async () => {
            const out = []
            for (let round = 0; round < CONCURRENT_ROUNDS; round++)
              out.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => page(pageWord(i))))))
            return out
          },
    },
    close: () => prisma.$disconnect(),
  }
}

export const system: SystemDef = {
  id: 'prisma',
  label: 'Prisma 7',
  packages: ['prisma', '@prisma/client'],
  backends: { sqlite: true, postgres: true },
  open,
}
