// Profiler overhead: one Fetch request running 100 queries (get by primary key, SQLite file), through a bare
// handler, the profiler switched off (enabled: false), the profiler on, and on with stacks; raw node:sqlite for
// scale. Modes are interleaved round by round so drift hits all alike; medians per request, and the profiler's
// cost per query.
//
//   npm run bench:profiler                     # SQLite
//   QUARRY_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/test npm run bench:profiler
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { profiler } from '../../src/http/index.ts'
import { connect, defineSchema, f, model } from '../../src/index.ts'

const QUERIES = 100
const ROUNDS = Number(process.env.ROUNDS ?? 15)
const PER_ROUND = Number(process.env.PER_ROUND ?? 20)

const Post = model(
  'Post',
  { title: f.string({ maxLength: 200 }), views: f.integer({ default: 0 }) },
  { table: 'bench_post' },
)
const schema = defineSchema({ Post })

type Mode = { name: string; run: () => Promise<unknown> }

async function measure(url: string, label: string) {
  const db = await connect(url, schema, { nPlusOne: 'off' })
  await db.dropTables()
  await db.createTables()
  for (let i = 0; i < 1000; i += 100)
    await db.atomic(async () => {
      for (let j = 0; j < 100; j++) await db.Post.create({ title: `post ${i + j}`, views: j })
    })
  const ids = (await db.Post.valuesList('id', { flat: true }).orderBy('id')).slice(0, QUERIES) as number[]
  const handler = async () => {
    let n = 0
    for (const id of ids) n += (await db.Post.get({ id })).views
    return new Response(String(n))
  }
  const off = profiler(db, { enabled: false }).wrap(handler)
  const onProf = profiler(db, { keep: 100 })
  const on = onProf.wrap(handler)
  const stackProf = profiler(db, { keep: 100, stacks: true, maxStacks: QUERIES })
  const withStacks = stackProf.wrap(handler)
  const req = () => new Request('http://bench/page')
  const modes: Mode[] = [
    { name: 'bare handler', run: () => handler() },
    { name: 'profiler off', run: () => off(req()) },
    // Any listener pays for the event (call site, timing): the profiler's own cost is the difference to this.
    { name: "db.on('query') no-op", run: () => off(req()) },
    { name: 'profiler on', run: () => on(req()) },
    { name: 'on + stacks', run: () => withStacks(req()) },
  ]
  if (url.startsWith('sqlite:')) {
    const raw = new DatabaseSync(url.slice('sqlite:'.length))
    const stmt = raw.prepare('SELECT id, title, views FROM bench_post WHERE id = ?')
    modes.unshift({
      name: 'raw node:sqlite',
      run: async () => {
        let n = 0
        for (const id of ids) n += Number((stmt.get(id) as { views: number }).views)
        return n
      },
    })
  }
  // The on/stack profilers stay subscribed while the others run: only one may listen at a time to be fair.
  const listeners = [onProf, stackProf]
  const samples = new Map<string, number[]>(modes.map((m) => [m.name, []]))
  for (let r = 0; r < ROUNDS + 2; r++) {
    for (const m of modes) {
      const active = m.name === 'profiler on' ? onProf : m.name === 'on + stacks' ? stackProf : undefined
      for (const l of listeners) if (l !== active) l.collector.stop()
      active?.collector.start()
      const stop = m.name === "db.on('query') no-op" ? db.on('query', () => {}) : undefined
      const t0 = performance.now()
      for (let i = 0; i < PER_ROUND; i++) await m.run()
      const ms = (performance.now() - t0) / PER_ROUND
      stop?.()
      if (r >= 2) samples.get(m.name)!.push(ms) // two warm-up rounds
      await active?.collector.settled()
    }
  }
  for (const l of listeners) await l.close()
  await db.close()
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const rows = modes.map((m) => ({ mode: m.name, msPerRequest: median(samples.get(m.name)!) }))
  const offMs = rows.find((r) => r.mode === 'profiler off')!.msPerRequest
  console.log(`\n${label}: one request of ${QUERIES} queries, median of ${ROUNDS} rounds × ${PER_ROUND} requests`)
  console.log('| mode | ms / request | µs / query over "profiler off" |')
  console.log('|---|---|---|')
  for (const r of rows)
    console.log(
      `| ${r.mode} | ${r.msPerRequest.toFixed(3)} | ${(((r.msPerRequest - offMs) / QUERIES) * 1000).toFixed(1)} |`,
    )
  return { backend: label, queries: QUERIES, rounds: ROUNDS, perRound: PER_ROUND, rows }
}

const dir = join(tmpdir(), `quarry-bench-profiler-${process.pid}`)
mkdirSync(dir, { recursive: true })
const results = [await measure(`sqlite:${join(dir, 'bench.db')}`, 'SQLite (file, WAL)')]
if (process.env.QUARRY_BENCH_POSTGRES) results.push(await measure(process.env.QUARRY_BENCH_POSTGRES, 'PostgreSQL'))
rmSync(dir, { recursive: true, force: true })
const out = join(import.meta.dirname, 'results', `profiler-${new Date().toISOString().slice(0, 10)}.json`)
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true })
writeFileSync(out, `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`)
console.log(`\nwritten ${out}`)
