/**
 * bench/bulk: W6 (bulk insert 100,000 posts), W7 (bulk update 10,000 posts, each a different title) and W8 (the
 * page at depth 90,000: offset vs keyset) — quarry against the raw driver written the fast way, on SQLite (a WAL
 * file) and PostgreSQL (postgres.js), in one run. Each (system, workload, backend) runs in a fresh process; rounds
 * interleave the systems. Prints medians and ratios; writes bench/results/bulk-<date>.json.
 *
 *   npm run bench:bulk                         # both backends, 3 rounds
 *   npx node bench/bulk/run.ts --rounds 1 --only W8 --backends sqlite
 *
 * Times: on SQLite the process's CPU time (the database runs in it; CPU time is far less disturbed by other jobs on
 * a shared machine than wall time), on PostgreSQL wall time (the server's work is in another process). Both are
 * recorded in the JSON. Ratios are taken per round (systems of a round share the machine's conditions), then the
 * median, with the spread of the rounds.
 *
 * PostgreSQL: QUARRY_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/test) is the admin URL; the bench
 * creates the databases quarry_bench_bulk_full / _empty there and drops them afterwards. Skipped when unreachable.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { blogData } from '../../examples/demo/data.ts'
import { schema } from '../../examples/demo/schema.ts'
import { connect, sql } from '../../src/index.ts'
import { buildDatabase } from '../micro/seed.ts'
import { gitInfo, machineInfo, writeResults } from '../shared/results.ts'
import {
  type Backend,
  SYSTEMS,
  type Task,
  W6_LOOP_ROWS,
  W6_ROWS,
  W7_LOOP_ROWS,
  W7_ROWS,
  W8_FETCHES,
  W8_PAGE,
} from './workloads.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    depths: { type: 'string', default: '1000,10000,50000,90000' },
    seed: { type: 'string', default: '42' },
    'no-write': { type: 'boolean', default: false },
  },
})
const rounds = Number(opt.rounds)
const seed = Number(opt.seed)
const POSTS = 100_000
const only = opt.only?.split(',')
const depths = opt.depths.split(',').map(Number)
const ADMIN_URL = process.env.QUARRY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'

// ---- data ----------------------------------------------------------------------------------------------------

const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-bulk-'))
const urls: Partial<Record<Backend, { full: string; empty: string }>> = {}
const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })]
const size = { seed, authors: 1000, posts: POSTS, tags: 200, tagsPerPost: 3 }
let t = performance.now()
if (opt.backends.includes('sqlite')) {
  await buildDatabase(path.join(dir, 'full.db'), size)
  // buildDatabase writes datetimes in ISO form ('…T…Z'); quarry writes and compares 'YYYY-MM-DD HH:MM:SS[.mmm]'
  // (docs/backends.md), and text of the two forms does not sort together: store quarry's form, as an app's data is.
  const raw = new DatabaseSync(path.join(dir, 'full.db'))
  raw.exec(
    `UPDATE blog_post SET created_at = replace(replace(replace(created_at, 'T', ' '), '.000Z', ''), 'Z', ''); ANALYZE`,
  )
  raw.close()
  await buildDatabase(path.join(dir, 'empty.db'), { ...size, posts: 0 })
  urls.sqlite = { full: `sqlite:${path.join(dir, 'full.db')}`, empty: `sqlite:${path.join(dir, 'empty.db')}` }
}
if (opt.backends.includes('postgres')) {
  const admin = postgres(ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await admin`select 1`
    const base = new URL(ADMIN_URL)
    const url = (name: string) => Object.assign(new URL(base), { pathname: `/${name}` }).toString()
    for (const name of ['quarry_bench_bulk_full', 'quarry_bench_bulk_empty']) {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.unsafe(`CREATE DATABASE ${name}`)
      cleanups.push(async () => {
        const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
        await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await a.end()
      })
    }
    urls.postgres = { full: url('quarry_bench_bulk_full'), empty: url('quarry_bench_bulk_empty') }
    for (const [u, posts] of [
      [urls.postgres.full, POSTS],
      [urls.postgres.empty, 0],
    ] as const) {
      // The same rows as the SQLite file (explicit ids), loaded with quarry's bulkCreate.
      const db = await connect(u, schema)
      await db.createTables()
      const data = blogData(seed, { ...size, posts })
      await db.Author.bulkCreate(data.authors.map(([id, name, email]) => ({ id, name, email })))
      const batch: Record<string, unknown>[] = []
      for (const { row } of data.posts()) {
        const [id, title, body, views, published, createdAt, authorId] = row
        batch.push({ id, title, body, views, published: published === 1, createdAt: new Date(createdAt), authorId })
      }
      if (batch.length) await db.Post.bulkCreate(batch as never)
      // Ids were given explicitly: move the identity past them, as a raw load would have to as well.
      await db.query(sql`SELECT setval(pg_get_serial_sequence('blog_post', 'id'), ${posts + 1}, false)`)
      await db.execute(sql`ANALYZE`)
      await db.close()
    }
  } catch (e) {
    console.warn(`PostgreSQL skipped: ${(e as Error).message}`)
    delete urls.postgres
  } finally {
    await admin.end()
  }
}
console.log(
  `data: 1,000 authors, ${POSTS.toLocaleString('en')} posts (~1 KB body); built in ${((performance.now() - t) / 1000).toFixed(1)} s`,
)

// ---- runs ----------------------------------------------------------------------------------------------------

interface Case {
  readonly workload: string
  readonly backend: Backend
  readonly depth?: number
  readonly systems: string[]
}
const cases: Case[] = []
for (const backend of ['sqlite', 'postgres'] as const) {
  if (!urls[backend]) continue
  for (const workload of ['W6', 'W7', 'W8']) {
    if (only && !only.includes(workload)) continue
    const systems = SYSTEMS[workload]![backend]
    if (workload === 'W8') for (const depth of depths) cases.push({ workload, backend, depth, systems })
    else cases.push({ workload, backend, systems })
  }
}

// W6/W7 runs are long (seconds): two timed runs per process, and the rounds give the spread.
const runsOf = (w: string) => (w === 'W8' ? 5 : 2)
/** Per (case, system): the per-round median of the metric (CPU on SQLite, wall on PostgreSQL), and both raw. */
const perRound = new Map<string, number[]>()
const wallRounds = new Map<string, number[]>()
const cpuRounds = new Map<string, number[]>()
const rowsOf = new Map<string, number>()
const differ: string[] = []
t = performance.now()
for (let round = 0; round < rounds; round++) {
  for (const c of cases) {
    const order = round % 2 ? [...c.systems].reverse() : c.systems
    const checks = new Map<string, string>()
    for (const system of order) {
      const task: Task = {
        system,
        workload: c.workload,
        backend: c.backend,
        url: c.workload === 'W6' ? urls[c.backend]!.empty : urls[c.backend]!.full,
        posts: POSTS,
        seed,
        warmup: 1,
        runs: runsOf(c.workload),
        depth: c.depth,
      }
      const r = spawnSync(process.execPath, [path.join(here, 'worker.ts'), JSON.stringify(task)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 26,
      })
      if (r.status !== 0) throw new Error(`worker ${system} ${c.workload} ${c.backend} failed (exit ${r.status})`)
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        samples: number[]
        cpu: number[]
        rows: number
        check: string
      }
      const key = `${caseKey(c)}/${system}`
      const push = (m: Map<string, number[]>, v: number) => m.set(key, [...(m.get(key) ?? []), v])
      push(wallRounds, median(out.samples))
      push(cpuRounds, median(out.cpu))
      push(perRound, median(c.backend === 'sqlite' ? out.cpu : out.samples))
      rowsOf.set(key, out.rows)
      checks.set(system, out.check)
    }
    // Every system of a case must leave the same result (loops over fewer rows are checked on their own).
    const main = [...checks].filter(([s]) => !s.includes('loop'))
    if (new Set(main.map(([, v]) => v)).size > 1) {
      // Reported now and fails the run at the end: the other cases' numbers still print.
      console.error(`${caseKey(c)}: results differ: ${JSON.stringify(Object.fromEntries(main))}`)
      differ.push(caseKey(c))
    }
  }
  console.log(`round ${round + 1}/${rounds} done`)
}
console.log(
  `measured in ${((performance.now() - t) / 1000).toFixed(1)} s; ${differ.length ? `RESULTS DIFFER in ${differ.join(', ')}` : 'results equal across systems'}\n`,
)

function caseKey(c: Case): string {
  return `${c.workload}${c.depth !== undefined ? `@${c.depth}` : ''}/${c.backend}`
}
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = (s.length - 1) / 2
  return (s[Math.floor(m)]! + s[Math.ceil(m)]!) / 2
}
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))

// ---- report --------------------------------------------------------------------------------------------------

const metricOf = (b: Backend) => (b === 'sqlite' ? 'CPU' : 'wall')
const spread = (xs: readonly number[], d = 2) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`
const report: Record<string, unknown>[] = []
for (const c of cases) {
  const base = c.systems[0]!
  const perRow = (s: string, i: number) => perRound.get(`${caseKey(c)}/${s}`)![i]! / rowsOf.get(`${caseKey(c)}/${s}`)!
  console.log(`${caseKey(c)}  (${metricOf(c.backend)} time)`)
  for (const s of c.systems) {
    const key = `${caseKey(c)}/${s}`
    const ms = perRound.get(key)!
    // Ratio of time per row to the baseline's, per round (rounds share machine conditions), then the median.
    const ratios = ms.map((_, i) => perRow(s, i) / perRow(base, i))
    const m = median(ratios)
    const rows = rowsOf.get(key)!
    console.log(
      `  ${s.padEnd(24)} ${fmt(median(ms)).padStart(8)} ms (${spread(ms, 0)}) for ${rows.toLocaleString('en')} rows` +
        `   time/row vs ${base}: ${m.toFixed(2)}× (${spread(ratios)})`,
    )
    report.push({
      case: caseKey(c),
      system: s,
      rows,
      metric: metricOf(c.backend),
      medianMs: median(ms),
      roundMs: ms,
      wallRoundMs: wallRounds.get(key),
      cpuRoundMs: cpuRounds.get(key),
      ratioToBaseline: m,
      roundRatios: ratios,
    })
  }
}

/**
 * Speed-ups a target is stated on, per round then the median: `slow` time per row ÷ `fast` time per row. Each
 * comes with the raw driver's own speed-up for the same pair of statement shapes (what the database allows).
 */
const SPEEDUPS: Record<string, [label: string, slow: string, fast: string][]> = {
  W6: [
    ['quarry: create() loop (autocommit) → bulkCreate', 'quarry-create-loop', 'quarry-bulkCreate'],
    ['raw: single-row INSERT loop (autocommit) → multi-row VALUES', 'raw-insert-loop', 'raw-values'],
    ['quarry bulkCreate throughput ÷ raw multi-row VALUES', 'raw-values', 'quarry-bulkCreate'],
    ['quarry bulkCreate throughput ÷ raw UNNEST', 'raw-unnest', 'quarry-bulkCreate'],
  ],
  W7: [
    ['quarry: save() loop (autocommit) → bulkUpdate', 'quarry-save-loop', 'quarry-bulkUpdate'],
    ['raw: single-row UPDATE loop (autocommit) → one UPDATE', 'raw-update-loop', 'RAWBULK'],
    ['quarry: save() loop in db.atomic → bulkUpdate', 'quarry-save-loop-atomic', 'quarry-bulkUpdate'],
    ['raw: single-row UPDATE loop in one transaction → one UPDATE', 'raw-update-loop-tx', 'RAWBULK'],
    ['quarry: Django-style CASE WHEN (raw) → bulkUpdate', 'raw-case-when', 'quarry-bulkUpdate'],
  ],
}
const speedups: Record<string, unknown>[] = []
console.log(`\nSpeed-ups (time per row, per round; median and the rounds' range)`)
for (const c of cases) {
  const pairs = SPEEDUPS[c.workload]
  if (!pairs) continue
  console.log(`${caseKey(c)}  (${metricOf(c.backend)} time)`)
  for (const [label, slow, fastName] of pairs) {
    const fast = fastName === 'RAWBULK' ? c.systems[0]! : fastName
    const a = perRound.get(`${caseKey(c)}/${slow}`)
    const b = perRound.get(`${caseKey(c)}/${fast}`)
    if (!a || !b) continue
    const ra = rowsOf.get(`${caseKey(c)}/${slow}`)!
    const rb = rowsOf.get(`${caseKey(c)}/${fast}`)!
    const xs = a.map((t, i) => t / ra / (b[i]! / rb))
    console.log(`  ${label.padEnd(64)} ${median(xs).toFixed(2)}× (${spread(xs)})`)
    speedups.push({ case: caseKey(c), label, slow, fast, median: median(xs), rounds: xs })
  }
}

console.log(`
How measured: each (system, workload, backend) in a fresh process, ${rounds} round(s), systems interleaved (order
reversed every other round); per process one warm-up run, then timed runs; per-process medians, ratios per round.
Times: CPU time of the worker process on SQLite, wall time on PostgreSQL (both in the JSON).
W6: ${W6_ROWS.toLocaleString('en')} posts into an emptied table, one transaction (create() loop and raw's single-row INSERT loop:
${W6_LOOP_ROWS.toLocaleString('en')} posts, autocommit each, as users write it; compared per row).
W7: ${W7_ROWS.toLocaleString('en')} posts, each a new title. Autocommit loops (save(), raw single-row UPDATE) on ${W7_LOOP_ROWS.toLocaleString('en')} posts,
compared per row; the loops in one transaction (db.atomic, raw BEGIN … COMMIT) on all ${W7_ROWS.toLocaleString('en')}.
W8: ${W8_FETCHES} fetches of the ${W8_PAGE}-post page at each depth, ordered by -createdAt, -id (quarry keyset: paginate({ first, after }) with the cursor
of the row before; offset: slice(depth, depth + ${W8_PAGE})).`)

if (!opt['no-write']) {
  const out = writeResults(root, 'bulk', {
    machine: machineInfo(),
    git: gitInfo(root),
    rounds,
    loadAverage: os.loadavg(),
    resultsDiffer: differ,
    results: report,
    speedups,
  })
  console.log(`\nwrote ${path.relative(root, out)}`)
}
for (const c of cleanups.reverse()) await c()
if (differ.length) process.exitCode = 1
