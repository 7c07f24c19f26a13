/**
 * W9 (BENCHMARKS.md): W1 — 1,000 posts ordered by createdAt with their author joined — uncached, against the
 * same QuerySet with `.cache()` warm on the memory cache and on Redis, on SQLite (a file, WAL) and PostgreSQL
 * (loopback). Data: 1,000 authors / 20,000 posts (bench/lib/data.ts, the data set of the main benchmark).
 *
 * BENCHMARKS.md's method: every (system, backend) runs in a fresh process per round — connect, warm up (which fills
 * the cache), then `runs` timed W1s; rounds interleave the systems so drift hits all alike. Per process: wall time per
 * W1 (median) and CPU time per W1 (`process.cpuUsage()` over the timed runs: user + system, which on PostgreSQL leaves
 * out the server's own work). The speed-ups are taken within each round (uncached / cached) and reported as the median
 * of the rounds with their min–max: that spread is the noise. For scale, the raw driver's own W1 (hand-written: array
 * rows, hand mapping) runs in the same rounds, and "mapping only" is quarry's cost with the rows handed over by an
 * interceptor (no database, no cache): quarry's row mapping of text rows, the floor a cache hit had before it kept
 * datetimes as epoch milliseconds. (Until 2026-12-01 all systems shared one process; the cached systems then paid for
 * the others' garbage and mixed type feedback, and read 7–15× where their own process reads ~20×.)
 *
 * A timed window lasts at least 300 ms (the cached systems then run ~1,000 W1s).
 *
 *   npx node --expose-gc bench/cache/w9.ts [--backends sqlite,postgres] [--rounds 7] [--runs 30] [--no-write]
 *   (QUARRY_BENCH_REDIS, default redis://127.0.0.1:6379/15; QUARRY_BENCH_POSTGRES, the admin URL)
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { schema } from '../../examples/demo/schema.ts'
import { createCache } from '../../src/cache/index.ts'
import { connect, type Database } from '../../src/index.ts'
import { ensurePostgres, ensureSqlite, pgReachable } from '../lib/data.ts'
import { openRawSqlite } from '../shared/raw-sqlite.ts'
import { gitInfo, machineInfo, writeResults } from '../shared/results.ts'
import { mapPostsWithAuthor, SQL } from '../systems/raw-shared.ts'

const { values: opt } = parseArgs({
  options: {
    backends: { type: 'string', default: 'sqlite,postgres' },
    rounds: { type: 'string', default: '7' },
    runs: { type: 'string', default: '30' },
    'no-write': { type: 'boolean', default: false },
    child: { type: 'string' },
  },
})
const here = fileURLToPath(import.meta.url)
const root = path.resolve(path.dirname(here), '../..')
const size = { seed: 42, authors: 1000, posts: 20_000, tags: 200, tagsPerPost: 3 }
const redisUrl = process.env.QUARRY_BENCH_REDIS ?? 'redis://127.0.0.1:6379/15'
const FETCH = 1000
/** Enough for the optimizing compiler to finish with every system (30 left CPU time counting its threads). */
const WARMUP = 150
const MIN_WINDOW_MS = 300

type Db = Database<typeof schema.$models>
type BackendName = 'sqlite' | 'postgres'
const w1 = (db: Db) => db.Post.selectRelated('author').orderBy('-createdAt').limit(FETCH)

const SYSTEMS = ['raw', 'uncached', 'memory cache', 'redis cache', 'mapping only (floor)'] as const
type System = (typeof SYSTEMS)[number]
const label = (system: System, backend: BackendName) =>
  system === 'raw' ? `raw ${backend === 'sqlite' ? 'node:sqlite' : 'postgres.js'}` : system

interface Job {
  backend: BackendName
  system: System
  location: string
  runs: number
}
interface Measured {
  wallMs: number[]
  cpuMs: number
}

interface Row {
  backend: string
  system: string
  wallMs: number
  wallP10Ms: number
  wallP90Ms: number
  cpuMs: number
  /** Uncached / this system, per round: median and min–max. */
  speedupWall: number
  speedupWallRange: [number, number]
  speedupCpu: number
  speedupCpuRange: [number, number]
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)]!
const r2 = (x: number) => Number(x.toFixed(2))
const r3 = (x: number) => Number(x.toFixed(3))

/** One system in this process: set up, warm up (filling the cache), time `runs` W1s. */
async function measure(job: Job): Promise<Measured> {
  const { backend, system, location } = job
  const url = backend === 'sqlite' ? `sqlite:${location}` : location
  const closers: (() => Promise<unknown>)[] = []
  let fn: () => Promise<number>
  if (system === 'raw') {
    if (backend === 'sqlite') {
      const conn = openRawSqlite(location)
      const st = conn.prepare(SQL.w1)
      st.setReturnArrays(true)
      fn = async () => mapPostsWithAuthor(st.all(FETCH) as unknown as unknown[][], true).length
      closers.push(async () => conn.close())
    } else {
      const sql = postgres(location, { max: 1, onnotice: () => {} })
      const text = SQL.w1.replace('?', '$1')
      fn = async () =>
        mapPostsWithAuthor(
          (await sql.unsafe(text, [FETCH], { prepare: true }).values()) as unknown as unknown[][],
          false,
        ).length
      closers.push(() => sql.end({ timeout: 5 }))
    }
  } else if (system === 'uncached' || system === 'mapping only (floor)') {
    const db = (await connect(url, schema, { nPlusOne: 'off' })) as Db
    closers.push(() => db.close())
    if (system === 'mapping only (floor)') {
      let rows: unknown[][] | undefined
      db.intercept(async (s, next) => {
        if (s.kind !== 'select') return next()
        rows ??= (await next()) as unknown[][]
        return rows
      })
    }
    fn = () => w1(db).then((r) => r.length)
  } else {
    const cache = createCache(system === 'memory cache' ? 'memory://?maxBytes=268435456' : redisUrl, {
      prefix: `w9${system === 'memory cache' ? 'm' : 'r'}${process.pid}`,
    })
    const db = (await connect(url, schema, { nPlusOne: 'off', cache })) as Db
    closers.push(
      () => cache.clear(),
      () => db.close(),
      () => cache.close(),
    )
    fn = () =>
      w1(db)
        .cache({ ttl: null })
        .then((r) => r.length)
  }
  for (let i = 0; i < WARMUP; i++) await fn()
  ;(globalThis as { gc?: () => void }).gc?.()
  const wallMs: number[] = []
  const cpu = process.cpuUsage()
  // At least `runs` W1s and at least MIN_WINDOW_MS: a fast system's few milliseconds would otherwise be charged with
  // whatever the GC's and compiler's helper threads happen to do in them (CPU time counts every thread).
  const began = performance.now()
  for (let i = 0; i < job.runs || performance.now() - began < MIN_WINDOW_MS; i++) {
    const t = performance.now()
    if ((await fn()) !== FETCH) throw new Error(`${backend} ${system}: wrong row count`)
    wallMs.push(performance.now() - t)
  }
  const d = process.cpuUsage(cpu)
  for (const close of closers) await close()
  return { wallMs, cpuMs: (d.user + d.system) / 1000 / wallMs.length }
}

/** Run one job in a fresh Node process (this file with --child). */
function inChild(job: Job): Measured {
  const out = execFileSync(process.execPath, ['--expose-gc', here, '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  })
  const line = out.trim().split('\n').pop()!
  return JSON.parse(line) as Measured
}

async function runBackend(backend: BackendName): Promise<Row[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-w9-'))
  const source = backend === 'sqlite' ? await ensureSqlite(dir, size) : await ensurePostgres(size)
  const runs = Number(opt.runs)
  const wall: Record<string, number[]> = Object.fromEntries(SYSTEMS.map((n) => [n, []]))
  const roundWall: Record<string, number[]> = Object.fromEntries(SYSTEMS.map((n) => [n, []]))
  const roundCpu: Record<string, number[]> = Object.fromEntries(SYSTEMS.map((n) => [n, []]))
  const rounds = Number(opt.rounds)
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round, so no system always runs first (or right after the same neighbour).
    const order = SYSTEMS.map((_, i) => SYSTEMS[(i + round) % SYSTEMS.length]!)
    for (const system of order) {
      const m = inChild({ backend, system, location: source.location, runs })
      wall[system]!.push(...m.wallMs)
      roundWall[system]!.push(median(m.wallMs))
      roundCpu[system]!.push(m.cpuMs)
    }
    process.stderr.write(`  ${backend}: round ${round + 1}/${rounds}\n`)
  }
  const ratios = (per: Record<string, number[]>, name: string) => per.uncached!.map((u, i) => u / per[name]![i]!)
  const out = SYSTEMS.map((name): Row => {
    const rw = ratios(roundWall, name)
    const rc = ratios(roundCpu, name)
    return {
      backend,
      system: label(name, backend),
      wallMs: r3(median(roundWall[name]!)),
      wallP10Ms: r3(pct(wall[name]!, 0.1)),
      wallP90Ms: r3(pct(wall[name]!, 0.9)),
      cpuMs: r3(median(roundCpu[name]!)),
      speedupWall: r2(median(rw)),
      speedupWallRange: [r2(Math.min(...rw)), r2(Math.max(...rw))],
      speedupCpu: r2(median(rc)),
      speedupCpuRange: [r2(Math.min(...rc)), r2(Math.max(...rc))],
    }
  })
  rmSync(dir, { recursive: true, force: true })
  return out
}

if (opt.child) {
  console.log(JSON.stringify(await measure(JSON.parse(opt.child) as Job)))
} else {
  const wanted = opt.backends.split(',') as BackendName[]
  const results: Row[] = []
  for (const b of wanted) {
    if (b === 'postgres' && !(await pgReachable())) {
      console.log('PostgreSQL is not reachable: skipped')
      continue
    }
    results.push(...(await runBackend(b)))
  }

  console.log(
    `W9: W1 (1,000 posts + author), uncached vs .cache() warm; a fresh process per system and round; ${opt.rounds} rounds × ${opt.runs} runs\n`,
  )
  console.log(
    '| backend | system | wall ms (median) | wall p10–p90 | CPU ms | speed-up, wall (min–max) | speed-up, CPU (min–max) | target |',
  )
  console.log('|---|---|---|---|---|---|---|---|')
  for (const r of results)
    console.log(
      `| ${r.backend} | ${r.system} | ${r.wallMs} | ${r.wallP10Ms}–${r.wallP90Ms} | ${r.cpuMs} | ${r.speedupWall}× (${r.speedupWallRange.join('–')}) | ${r.speedupCpu}× (${r.speedupCpuRange.join('–')}) | ${r.system === 'memory cache' ? '≥ 20×' : ''} |`,
    )
  if (!opt['no-write'])
    console.log(
      `\n${writeResults(root, 'cache-w9', { git: gitInfo(root), machine: machineInfo(), options: opt, results })}`,
    )
}
