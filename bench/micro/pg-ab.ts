/**
 * In-process A/B on PostgreSQL: raw postgres.js against one or more copies of quarry, in ONE process, CPU time
 * (`process.cpuUsage()`) and wall time per run, systems interleaved and their order rotated each round. For
 * before/after of a code change on this shared machine, where fresh-process wall medians move 30–40%.
 *
 *   npx node bench/micro/pg-ab.ts                                   # this checkout's quarry vs raw
 *   npx node bench/micro/pg-ab.ts --base /tmp/base --workloads W2,W4 --rounds 7
 *
 * `--base DIR`: a second checkout (its `src/` and `examples/`, e.g. `git archive <commit> src examples | tar -x -C
 * DIR`, with `node_modules` linked) measured as "base" next to this one ("new"). Data: bench/lib/data.ts's
 * PostgreSQL copy of the blog (built on first use). Prints, per workload and system, the median over rounds of the
 * per-round median (ms per run) with the min–max of the round medians, and each system's ratio to raw.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { ensurePostgres } from '../lib/data.ts'
import { AUTHORS, FETCH, getIds, PAGES, pageWord } from '../lib/workloads.ts'
import { attach, mapAuthors, mapPosts, mapPostsWithAuthor, POST_COLS, pg, RawPost, SQL } from '../systems/raw-shared.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: opt } = parseArgs({
  options: {
    base: { type: 'string' },
    workloads: { type: 'string', default: 'W1,W2,W4,W5' },
    rounds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '20' },
    gets: { type: 'string', default: '2000' },
    detector: { type: 'boolean', default: false }, // also quarry with nPlusOne: 'off'
    'alloc-prof': { type: 'string' }, // write a sampling allocation profile (collected objects included) here
    only: { type: 'string' }, // run only these systems (e.g. `--only new` under --cpu-prof); raw is kept for ratios
  },
})
const size = { seed: 42, authors: 1000, posts: 20000, tags: 200, tagsPerPost: 3 }
const src = await ensurePostgres(size)
const ids = getIds(size, Number(opt.gets))

type Run = () => Promise<unknown>
type Sys = { name: string; w: Record<string, Run>; close(): Promise<void> }

async function rawSystem(): Promise<Sys> {
  const sql = postgres(src.location, { max: 10, onnotice: () => {} })
  const q = (text: string, params: unknown[]) =>
    sql.unsafe(text, params as never[], { prepare: true }).values() as unknown as Promise<unknown[][]>
  const W1 = pg(SQL.w1)
  const AUTH = pg(SQL.authors)
  const ONE_POST = pg(SQL.post)
  const POSTS = pg(SQL.posts)
  const ONE_AUTHOR = pg(SQL.author)
  const BY_AUTHORS = `SELECT ${POST_COLS} FROM blog_post p WHERE p.author_id = ANY($1) ORDER BY p.author_id, p.created_at DESC`
  const PAGE = `SELECT ${POST_COLS} FROM blog_post p WHERE p.published AND p.title ILIKE $1 ORDER BY p.created_at DESC LIMIT 20`
  return {
    name: 'raw',
    w: {
      W1: async () => mapPostsWithAuthor(await q(W1, [FETCH]), false),
      W2: async () => {
        const as = mapAuthors(await q(AUTH, [AUTHORS]))
        return attach(as, mapPosts(await q(BY_AUTHORS, [as.map((a) => a.id)]), false))
      },
      W3: async () => {
        const ps = mapPosts(await q(POSTS, [FETCH]), false)
        const out: [RawPost, unknown][] = []
        for (const p of ps) out.push([p, mapAuthors(await q(ONE_AUTHOR, [p.authorId]))[0]])
        return out
      },
      W4: async () => {
        const out = new Array<RawPost>(ids.length)
        for (let i = 0; i < ids.length; i++) out[i] = new RawPost((await q(ONE_POST, [ids[i]]))[0]!, false)
        return out
      },
      W5: async () => {
        const out: RawPost[][] = []
        for (let i = 0; i < PAGES; i++) out.push(mapPosts(await q(PAGE, [`%${pageWord(i)}%`]), false))
        return out
      },
    },
    close: () => sql.end({ timeout: 5 }),
  }
}

async function quarrySystem(name: string, root: string, options: object): Promise<Sys> {
  const { connect } = (await import(path.join(root, 'src/index.ts'))) as typeof import('../../src/index.ts')
  const { schema } = (await import(
    path.join(root, 'examples/demo/schema.ts')
  )) as typeof import('../../examples/demo/schema.ts')
  const db = await connect(src.location, schema, options)
  return {
    name,
    w: {
      W1: async () => db.Post.selectRelated('author').orderBy('-createdAt').limit(FETCH),
      W2: async () => db.Author.prefetchRelated('posts').orderBy('id').limit(AUTHORS),
      W3: async () => {
        const posts = await db.Post.orderBy('-createdAt').limit(FETCH)
        const out: [unknown, unknown][] = []
        for (const p of posts) out.push([p, await p.author])
        return out
      },
      W4: async () => {
        const out = new Array(ids.length)
        for (let i = 0; i < ids.length; i++) out[i] = await db.Post.get({ id: ids[i]! })
        return out
      },
      W5: async () => {
        const out = []
        for (let i = 0; i < PAGES; i++)
          out.push(
            await db.Post.filter({ published: true, title: { icontains: pageWord(i) } })
              .orderBy('-createdAt')
              .limit(20),
          )
        return out
      },
    },
    close: () => db.close(),
  }
}

const root = path.resolve(here, '../..')
const wanted = opt.only?.split(',')
const want = (name: string) => !wanted || wanted.includes(name)
const systems: Sys[] = []
if (want('raw')) systems.push(await rawSystem())
if (want('new')) systems.push(await quarrySystem('new', root, {}))
if (opt.detector && want('new-n1off')) systems.push(await quarrySystem('new-n1off', root, { nPlusOne: 'off' }))
if (opt.base) {
  if (want('base')) systems.push(await quarrySystem('base', path.resolve(opt.base), {}))
  if (opt.detector && want('base-n1off'))
    systems.push(await quarrySystem('base-n1off', path.resolve(opt.base), { nPlusOne: 'off' }))
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
// Allocation profile: every sampled allocation, also those the GC already collected (what costs GC time).
const inspector = opt['alloc-prof'] ? new (await import('node:inspector/promises')).Session() : undefined
if (inspector) {
  inspector.connect()
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
}
const rounds = Number(opt.rounds)
const runs = Number(opt.runs)
for (const wid of opt.workloads.split(',')) {
  const n = wid === 'W4' || wid === 'W3' ? Math.max(3, Math.round(runs / 4)) : runs
  const cpu = new Map<string, number[]>()
  const wall = new Map<string, number[]>()
  for (const s of systems) {
    cpu.set(s.name, [])
    wall.set(s.name, [])
    for (let i = 0; i < 3; i++) await s.w[wid]!() // warm-up
  }
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < systems.length; k++) {
      const s = systems[(k + r) % systems.length]!
      const c: number[] = []
      const w: number[] = []
      for (let i = 0; i < n; i++) {
        const c0 = process.cpuUsage()
        const t0 = performance.now()
        await s.w[wid]!()
        w.push(performance.now() - t0)
        const d = process.cpuUsage(c0)
        c.push((d.user + d.system) / 1000)
      }
      cpu.get(s.name)!.push(median(c))
      wall.get(s.name)!.push(median(w))
    }
  }
  const ref = cpu.has('raw') ? 'raw' : systems[0]!.name
  const rawCpu = median(cpu.get(ref)!)
  const rawWall = median(wall.get(ref)!)
  console.log(`\n${wid}: ${rounds} rounds × ${n} runs; median of round medians (min–max), ms`)
  for (const s of systems) {
    const c = cpu.get(s.name)!
    const w = wall.get(s.name)!
    const fmt = (xs: number[]) =>
      `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`
    console.log(
      `  ${s.name.padEnd(11)} cpu ${fmt(c)}  ×${(median(c) / rawCpu).toFixed(3)}   wall ${fmt(w)}  ×${(median(w) / rawWall).toFixed(3)}`,
    )
  }
}
if (inspector) {
  const { profile } = await inspector.post('HeapProfiler.stopSampling')
  ;(await import('node:fs')).writeFileSync(opt['alloc-prof']!, JSON.stringify(profile))
}
for (const s of systems) await s.close()
