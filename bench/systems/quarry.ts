// quarry as its README shows it, in three settings: the defaults users get (N+1 detector on, 'warn'), the
// detector off, and fetchMode('peers') (W3 only: the lazy loop then runs two queries).
import { schema } from '../../examples/demo/schema.ts'
import { createCache } from '../../src/cache/index.ts'
import { connect } from '../../src/index.ts'
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

type Options = Parameters<typeof connect>[2]

async function open(ctx: Context, options: Options, only?: 'W3'): Promise<Opened> {
  const url = ctx.backend === 'sqlite' ? `sqlite:${ctx.location}` : ctx.location
  const db = await connect(url, schema, options)
  const page = (w: string) =>
    db.Post.filter({ published: true, title: { icontains: w } })
      .orderBy('-createdAt')
      .limit(20)
  // W6–W8 are bench/bulk's quarry calls (bulkCreate, a create() loop, bulkUpdate, slice and paginate).
  let bulk: NewPost[] | undefined
  let loop: NewPost[] | undefined
  let w7: Awaited<ReturnType<typeof db.Post.all>> | undefined
  let w7run = 0
  const ordered = db.Post.orderBy('-createdAt', '-id')
  let after: string | null | undefined
  // W9: the same W1 on a connection with the memory cache, warm after the first (checked) run.
  let cached: typeof db | undefined
  const workloads: Opened['workloads'] = {
    W6: async () => {
      bulk ??= await w6Rows(ctx, false)
      return (await db.Post.bulkCreate(bulk)).length
    },
    'W6-loop': async () => {
      loop ??= await w6Rows(ctx, true)
      for (const r of loop) await db.Post.create(r)
      return loop.length
    },
    W7: async () => {
      w7 ??= await db.Post.orderBy('id').limit(ctx.rows.update)
      w7run++
      for (const p of w7) p.title = w7Title(w7run, p.id)
      await db.Post.bulkUpdate(w7, ['title'])
      return w7.length
    },
    'W8-offset': async () => {
      let last: unknown[] = []
      for (let i = 0; i < W8_FETCHES; i++) last = await ordered.slice(W8_DEPTH, W8_DEPTH + W8_PAGE)
      return last
    },
    'W8-keyset': async () => {
      // The cursor a client would hold after walking to this depth (bench/bulk's): the end of a page ending at row W8_DEPTH.
      if (after === undefined) after = (await ordered.only('createdAt').paginate({ first: W8_DEPTH })).endCursor
      let last: unknown[] = []
      for (let i = 0; i < W8_FETCHES; i++) last = (await ordered.paginate({ first: W8_PAGE, after })).items
      return last
    },
    W9: async () => {
      cached ??= await connect(url, schema, {
        ...options,
        cache: createCache('memory://?maxBytes=268435456', { prefix: `w9${process.pid}` }),
      })
      return cached.Post.selectRelated('author').orderBy('-createdAt').limit(FETCH).cache({ ttl: null })
    },
    W1: async () => db.Post.selectRelated('author').orderBy('-createdAt').limit(FETCH),
    W2: async () => db.Author.prefetchRelated('posts').orderBy('id').limit(AUTHORS),
    W3: async () => {
      const posts = await db.Post.orderBy('-createdAt').limit(FETCH)
      const out: [unknown, unknown][] = []
      for (const p of posts) out.push([p, await p.author])
      return out
    },
    W4: async () => {
      const out = new Array(ctx.ids.length)
      for (let i = 0; i < ctx.ids.length; i++) out[i] = await db.Post.get({ id: ctx.ids[i]! })
      return out
    },
    W5: async () => {
      const out = []
      for (let i = 0; i < PAGES; i++) out.push(await page(pageWord(i)))
      return out
    },
    W11: async () => {
      const d = new StreamDigest()
      // Every system streams in table order. The demo's Post has a default ordering (-createdAt), which `orderBy()`
      // clears, as Django's `order_by()`; with it SQLite walks the created_at index (1.7× the time here).
      for await (const p of db.Post.orderBy().iterator({ chunkSize: 2000 })) d.add(p.id, p.title, p.views)
      return d
    },
    W12:
      ctx.backend === 'postgres'
        ? async () => {
            const out = []
            for (let round = 0; round < CONCURRENT_ROUNDS; round++)
              out.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => page(pageWord(i))))))
            return out
          }
        : na('PostgreSQL only'),
  }
  if (only) for (const k of Object.keys(workloads) as (keyof typeof workloads)[]) if (k !== only) delete workloads[k]
  return {
    workloads,
    close: async () => {
      await cached?.close()
      await db.close()
    },
  }
}

const backends = { sqlite: true, postgres: true } as const

export const system: SystemDef = {
  id: 'quarry',
  label: 'quarry (defaults: N+1 detector on)',
  packages: [],
  backends,
  open: (ctx) => open(ctx, {}),
}

export const noDetector: SystemDef = {
  id: 'quarry-n1-off',
  label: "quarry, nPlusOne: 'off'",
  packages: [],
  backends,
  open: (ctx) => open(ctx, { nPlusOne: 'off' }),
}

export const peers: SystemDef = {
  id: 'quarry-peers',
  label: "quarry, fetchMode: 'peers'",
  packages: [],
  backends,
  open: (ctx) => open(ctx, { fetchMode: 'peers' }, 'W3'),
}
