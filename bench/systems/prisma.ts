// Prisma 7 as its docs show it: the `prisma-client` generator (TypeScript output, no Rust query engine) with a
// driver adapter (better-sqlite3 on SQLite, pg on PostgreSQL), findMany with `include`, findUniqueOrThrow.
// `prisma generate` runs from bench/lib/setup.ts; the tables are quarry's (schema.*.prisma maps them).
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import { type Context, na, type Opened, type SystemDef } from '../lib/system.ts'
import { AUTHORS, CONCURRENT, CONCURRENT_ROUNDS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
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
  return {
    workloads: {
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
