/**
 * bench/streaming: W11 (BENCHMARKS.md) — peak RSS of a fresh Node process reading all 100,000 posts (~1 KB body
 * each) with quarry's `iterator({ chunkSize: 2000 })`, against the same process loading everything with
 * `await db.Post.orderBy('-createdAt', '-id')`, and hand-written node:sqlite (`stmt.iterate()` / `stmt.all()` with hand mapping). If
 * PostgreSQL is reachable, also quarry's iterator there (a server-side cursor) against postgres.js's own cursor.
 * Each (system, round) is a fresh child process; systems are interleaved; medians over the rounds.
 * Prints a markdown table; writes bench/results/streaming-<date>.json.
 *
 *   npm run bench:streaming
 *   npx node bench/streaming/run.ts --rounds 3 --no-pg     # options: see parseArgs below
 *
 * PostgreSQL: QUARRY_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/test) is the admin URL; the
 * bench creates its own database `quarry_bench_w11` there and drops it afterwards.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { buildDatabase, type DataSize } from '../micro/seed.ts'
import { buildQuarry } from '../shared/quarry-build.ts'
import { gitInfo, machineInfo, writeResults } from '../shared/results.ts'
import { CODE, PG_SYSTEMS, POST_SQL, SYSTEMS, type System, type WorkerResult, type WorkerTask } from './shared.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' }, // fresh processes per system
    chunk: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '42' },
    authors: { type: 'string', default: '1000' },
    posts: { type: 'string', default: '100000' },
    tags: { type: 'string', default: '200' },
    target: { type: 'string', default: '150' }, // MB
    only: { type: 'string' }, // comma-separated systems
    // dist: quarry compiled to JS first (tsconfig.build.json, into the temp dir), as users run it; src: the .ts
    // sources through Node's type stripping, which alone adds ~40 MB of RSS before the first row.
    quarry: { type: 'string', default: 'dist' },
    'no-pg': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false }, // keep the SQLite file and the PostgreSQL database (for diagnosis)
  },
})

const [major] = process.versions.node.split('.').map(Number)
if (major! < 24) {
  console.error(`bench/streaming needs Node 24; this is ${process.version}. Run: npx node bench/streaming/run.ts`)
  process.exit(1)
}

const size: DataSize = {
  seed: Number(opt.seed),
  authors: Number(opt.authors),
  posts: Number(opt.posts),
  tags: Number(opt.tags),
  tagsPerPost: 3,
}
const rounds = Number(opt.rounds)
const chunkSize = Number(opt.chunk)
const targetMb = Number(opt.target)
const only = opt.only?.split(',')
const ADMIN_URL = process.env.QUARRY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const PG_DB = 'quarry_bench_w11'
const MB = 1024 * 1024

if (opt.quarry !== 'dist' && opt.quarry !== 'src') throw new Error('--quarry takes dist or src')

const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-w11-'))
const file = path.join(dir, 'blog.db')
let t = performance.now()

/** quarry's entry and the demo schema, as the workers import them. */
let modules = { quarry: path.join(root, 'src/index.ts'), schema: path.join(root, 'examples/demo/schema.ts') }
if (opt.quarry === 'dist') {
  const out = buildQuarry(root, dir)
  modules = { quarry: path.join(out, 'src/index.js'), schema: path.join(out, 'examples/demo/schema.js') }
  console.log(`quarry compiled to ${out} in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  t = performance.now()
}
await buildDatabase(file, size)
console.log(
  `data: ${size.authors} authors, ${size.posts} posts (~1 KB body), ${size.tags} tags × ${size.tagsPerPost} per post, seed ${size.seed}; ` +
    `SQLite file (WAL) ${file}, ${(statSync(file).size / MB).toFixed(0)} MB, built in ${((performance.now() - t) / 1000).toFixed(1)} s`,
)

// ---- PostgreSQL (optional): copy the very rows of the SQLite file into a database of our own. ----
type Sql = import('postgres').Sql
let pgUrl: string | undefined
let admin: Sql | undefined
const wantPg = !opt['no-pg'] && (!only || only.some((s) => (PG_SYSTEMS as readonly string[]).includes(s)))
if (wantPg) {
  const { default: postgres } = await import('postgres')
  const probe = postgres(ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await probe`select 1`
    admin = probe
  } catch (e) {
    console.log(`PostgreSQL not reachable at ${ADMIN_URL} (${(e as Error).message}): PostgreSQL systems skipped`)
    await probe.end({ timeout: 1 }).catch(() => {})
  }
  if (admin) {
    t = performance.now()
    await admin.unsafe(`DROP DATABASE IF EXISTS ${PG_DB}`)
    await admin.unsafe(`CREATE DATABASE ${PG_DB}`)
    const u = new URL(ADMIN_URL)
    u.pathname = `/${PG_DB}`
    pgUrl = u.toString()
    await fillPostgres(pgUrl)
    console.log(
      `PostgreSQL: database ${PG_DB} filled from the SQLite file in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    )
  }
}

async function fillPostgres(url: string): Promise<void> {
  const { connect } = await import('../../src/index.ts')
  const { schema } = await import('../../examples/demo/schema.ts')
  const db = await connect(url, schema)
  await db.createTables()
  await db.close()
  const { default: postgres } = await import('postgres')
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const src = new DatabaseSync(file, { readOnly: true })
  const copy = async (table: string, cols: string[], map: (r: Record<string, unknown>) => Record<string, unknown>) => {
    let batch: Record<string, unknown>[] = []
    const flush = async () => {
      if (batch.length) await sql`INSERT INTO ${sql(table)} ${sql(batch as never, cols)}`
      batch = []
    }
    for (const r of src.prepare(`SELECT ${cols.join(', ')} FROM ${table} ORDER BY rowid`).iterate()) {
      batch.push(map(r as Record<string, unknown>))
      if (batch.length >= 1000) await flush()
    }
    await flush()
  }
  const same = (r: Record<string, unknown>) => r
  await copy('author', ['id', 'name', 'email'], same)
  await copy('tag', ['id', 'name'], same)
  await copy('blog_post', ['id', 'title', 'body', 'views', 'published', 'created_at', 'author_id'], (r) => ({
    ...r,
    published: r.published === 1,
  }))
  await copy('blog_post_tags', ['post_id', 'tag_id'], same)
  await sql`ANALYZE`
  src.close()
  await sql.end()
}

// ---- The runs ----
const systems: System[] = [...SYSTEMS, ...(pgUrl ? PG_SYSTEMS : [])].filter((s) => !only || only.includes(s))

interface Sample extends WorkerResult {
  /** Highest VmRSS read from /proc/<pid>/status by this (parent) process every few ms, MB (Linux only). */
  readonly externalPeakRssMb: number | null
}

function vmRss(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? (Number(m[1]) * 1024) / MB : null
  } catch {
    return null
  }
}

function runWorker(system: System): Promise<Sample> {
  const task: WorkerTask = { system, file, url: pgUrl, chunkSize, ...modules }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'worker.ts'), JSON.stringify(task)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    let external: number | null = null
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    const poll = setInterval(() => {
      const v = child.pid ? vmRss(child.pid) : null
      if (v !== null && (external === null || v > external)) external = v
    }, 3)
    child.on('error', reject)
    child.on('close', (code) => {
      clearInterval(poll)
      if (code !== 0) return reject(new Error(`worker ${system} failed (exit ${code})`))
      resolve({ ...(JSON.parse(out.trim().split('\n').pop()!) as WorkerResult), externalPeakRssMb: external })
    })
  })
}

const samples = new Map<System, Sample[]>(systems.map((s) => [s, []]))
// One reference per database: the order hashed in the checksum breaks ties in created_at the database's own way.
const checksums = new Map<string, string>()
const dbOf = (system: System) => ((PG_SYSTEMS as readonly System[]).includes(system) ? 'postgres' : 'sqlite')
t = performance.now()
try {
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so that drift of the machine hits every system alike.
    const order = systems.map((_, i) => systems[(i + round) % systems.length]!)
    for (const system of order) {
      const r = await runWorker(system)
      const checksum = checksums.get(dbOf(system))
      if (checksum !== undefined && r.checksum !== checksum) {
        console.error(`results differ: ${system} gave ${r.checksum}, expected ${checksum}`)
        process.exit(1)
      }
      checksums.set(dbOf(system), r.checksum)
      if (r.rows !== size.posts) throw new Error(`${system} read ${r.rows} rows, not ${size.posts}`)
      samples.get(system)!.push(r)
    }
    process.stdout.write(`round ${round + 1}/${rounds} done\n`)
  }
} finally {
  if (admin && opt.keep) await admin.end()
  else if (admin) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`).catch((e: Error) => {
      console.error(`could not drop ${PG_DB}: ${e.message}`)
    })
    await admin.end()
  }
}
console.log(
  `measured in ${((performance.now() - t) / 1000).toFixed(1)} s; every system read ${size.posts} rows with equal results per database (checksums ${[...checksums].map(([k, v]) => `${k} ${v}`).join(', ')})\n`,
)

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = (s.length - 1) / 2
  return (s[Math.floor(m)]! + s[Math.ceil(m)]!) / 2
}
const range = (xs: readonly number[], digits = 0) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`

const results = systems.map((system) => {
  const s = samples.get(system)!
  const pick = (k: 'maxRssMb' | 'sampledPeakRssMb' | 'baselineRssMb' | 'peakHeapUsedMb' | 'ms') => s.map((x) => x[k])
  const external = s.map((x) => x.externalPeakRssMb).filter((x): x is number => x !== null)
  const peak = median(pick('maxRssMb'))
  return {
    system,
    code: CODE[system],
    backend: system.endsWith('-pg') ? 'PostgreSQL' : 'SQLite',
    peakRssMb: peak,
    met: peak <= targetMb,
    msMedian: median(pick('ms')),
    sampledPeakRssMb: median(pick('sampledPeakRssMb')),
    externalPeakRssMb: external.length ? median(external) : null,
    baselineRssMb: median(pick('baselineRssMb')),
    peakHeapUsedMb: median(pick('peakHeapUsedMb')),
    runs: s,
  }
})

console.log(
  `| system | backend | peak RSS, MB (maxRSS; min–max) | RSS before the read, MB | peak heapUsed, MB | time, ms (min–max) | target ≤ ${targetMb} MB |`,
)
console.log('|---|---|---|---|---|---|---|')
for (const r of results) {
  console.log(
    `| ${r.system} | ${r.backend} | **${r.peakRssMb.toFixed(0)}** (${range(pick(r.runs, 'maxRssMb'))}) | ` +
      `${r.baselineRssMb.toFixed(0)} | ${r.peakHeapUsedMb.toFixed(0)} | ${r.msMedian.toFixed(0)} (${range(pick(r.runs, 'ms'))}) | ` +
      `${r.met ? 'met' : 'MISSED'} |`,
  )
}
function pick(runs: readonly Sample[], k: 'maxRssMb' | 'ms'): number[] {
  return runs.map((x) => x[k])
}
console.log(`
How measured: each system in a fresh \`node\` child process (${rounds} rounds, systems interleaved, order rotated);
peak RSS = process.resourceUsage().maxRSS at the end (the kernel's high-water mark, process start included);
medians over rounds. Cross-checks (JSON): in-process process.memoryUsage.rss() samples (a 2 ms timer plus one every
256 rows) and the parent's reads of /proc/<pid>/status VmRSS every 3 ms. Time = the read loop only (query, iteration,
touching every row: sum of views and body.length, hash of ids in order), not start-up. chunkSize ${chunkSize}.
quarry loaded from ${opt.quarry === 'dist' ? 'a build of src/ (tsconfig.build.json), as published' : 'src/*.ts (type stripping)'}.
SQL (all systems): ${POST_SQL}`)

const git = gitInfo(root)

if (!opt['no-write']) {
  const json = {
    workload: 'W11',
    machine: machineInfo(),
    git,
    data: {
      ...size,
      sqlite: 'file, WAL, synchronous=NORMAL',
      postgres: pgUrl ? `database ${PG_DB}, rows copied from the SQLite file` : null,
    },
    method: {
      rounds,
      chunkSize,
      targetMb,
      quarry:
        opt.quarry === 'dist' ? 'compiled with tsconfig.build.json (as published)' : 'src/*.ts via type stripping',
      freshProcessPer: '(system, round)',
      interleaved: true,
      peak: 'process.resourceUsage().maxRSS (MB), median over rounds',
      time: 'ms of the read loop only',
      sql: POST_SQL,
    },
    checksums: Object.fromEntries(checksums),
    systems: results,
  }
  const out = writeResults(root, 'streaming', json)
  console.log(`\nwrote ${path.relative(root, out)}`)
}
if (!opt.keep) rmSync(dir, { recursive: true, force: true })
