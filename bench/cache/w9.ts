/**
 * W9 (BENCHMARKS.md): W1 — 1,000 posts ordered by createdAt with their author joined — uncached, against the
 * same QuerySet with `.cache()` warm on the memory cache and on Redis, on SQLite (a file, WAL) and PostgreSQL
 * (loopback). Data: 1,000 authors / 20,000 posts (bench/lib/data.ts, the data set of the main benchmark).
 *
 * One process per backend run, every system interleaved per round (drift hits all alike). Per round and system:
 * `runs` W1s back to back; wall time per W1 (median of the round) and CPU time per W1 (`process.cpuUsage()` over
 * the round: user + system, which on PostgreSQL leaves out the server's own work). The speed-ups are taken
 * within each round (uncached / cached) and reported as the median of the rounds with their min–max: that spread
 * is the noise. For scale, the raw driver's own W1 (hand-written: array rows, hand mapping) runs in the same
 * rounds, and "mapping only" is quarry's cost with the rows handed over by an interceptor (no database, no cache):
 * the floor a cache hit can reach while it returns new instances.
 *
 *   npx node --expose-gc bench/cache/w9.ts [--backends sqlite,postgres] [--rounds 7] [--runs 30] [--no-write]
 *   (QUARRY_BENCH_REDIS, default redis://127.0.0.1:6379/15; QUARRY_BENCH_POSTGRES, the admin URL)
 */
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
  },
})
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const size = { seed: 42, authors: 1000, posts: 20_000, tags: 200, tagsPerPost: 3 }
const redisUrl = process.env.QUARRY_BENCH_REDIS ?? 'redis://127.0.0.1:6379/15'
const FETCH = 1000

type Db = Database<typeof schema.$models>
const w1 = (db: Db) => db.Post.selectRelated('author').orderBy('-createdAt').limit(FETCH)

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

async function runBackend(backend: 'sqlite' | 'postgres'): Promise<Row[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-w9-'))
  const source = backend === 'sqlite' ? await ensureSqlite(dir, size) : await ensurePostgres(size)
  const url = backend === 'sqlite' ? `sqlite:${source.location}` : source.location
  const memory = createCache('memory://?maxBytes=268435456', { prefix: `w9m${process.pid}` })
  const redis = createCache(redisUrl, { prefix: `w9r${process.pid}` })
  const plain = (await connect(url, schema, { nPlusOne: 'off' })) as Db
  const withMemory = (await connect(url, schema, { nPlusOne: 'off', cache: memory })) as Db
  const withRedis = (await connect(url, schema, { nPlusOne: 'off', cache: redis })) as Db
  // "mapping only": the rows of the first run handed back by an interceptor, so only quarry's own work remains.
  const mapping = (await connect(url, schema, { nPlusOne: 'off' })) as Db
  let rows: unknown[][] | undefined
  mapping.intercept(async (s, next) => {
    if (s.kind !== 'select') return next()
    rows ??= (await next()) as unknown[][]
    return rows
  })
  let raw: () => Promise<number>
  let closeRaw: () => Promise<void>
  if (backend === 'sqlite') {
    const conn = openRawSqlite(source.location)
    const st = conn.prepare(SQL.w1)
    st.setReturnArrays(true)
    raw = async () => mapPostsWithAuthor(st.all(FETCH) as unknown as unknown[][], true).length
    closeRaw = async () => conn.close()
  } else {
    const sql = postgres(source.location, { max: 1, onnotice: () => {} })
    const text = SQL.w1.replace('?', '$1')
    raw = async () =>
      mapPostsWithAuthor((await sql.unsafe(text, [FETCH], { prepare: true }).values()) as unknown as unknown[][], false)
        .length
    closeRaw = () => sql.end({ timeout: 5 })
  }
  const systems: Record<string, () => Promise<number>> = {
    [`raw ${backend === 'sqlite' ? 'node:sqlite' : 'postgres.js'}`]: raw,
    uncached: () => w1(plain).then((r) => r.length),
    'memory cache': () =>
      w1(withMemory)
        .cache({ ttl: null })
        .then((r) => r.length),
    'redis cache': () =>
      w1(withRedis)
        .cache({ ttl: null })
        .then((r) => r.length),
    'mapping only (floor)': () => w1(mapping).then((r) => r.length),
  }
  const names = Object.keys(systems)
  for (const fn of Object.values(systems)) for (let i = 0; i < 30; i++) await fn() // warm-up; fills the caches
  const wall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  const roundWall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  const roundCpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  const runs = Number(opt.runs)
  for (let round = 0; round < Number(opt.rounds); round++)
    for (const name of names) {
      const fn = systems[name]!
      // With --expose-gc: start each system's round with an empty young generation, so it pays for its own garbage
      // rather than the previous system's (CPU time counts the GC's helper threads too).
      ;(globalThis as { gc?: () => void }).gc?.()
      const ts: number[] = []
      const cpu = process.cpuUsage()
      for (let i = 0; i < runs; i++) {
        const t = performance.now()
        if ((await fn()) !== FETCH) throw new Error(`${backend} ${name}: wrong row count`)
        ts.push(performance.now() - t)
      }
      const d = process.cpuUsage(cpu)
      wall[name]!.push(...ts)
      roundWall[name]!.push(median(ts))
      roundCpu[name]!.push((d.user + d.system) / 1000 / runs)
    }

  const ratios = (per: Record<string, number[]>, name: string) => per.uncached!.map((u, i) => u / per[name]![i]!)
  const out = names.map((name): Row => {
    const rw = ratios(roundWall, name)
    const rc = ratios(roundCpu, name)
    return {
      backend,
      system: name,
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
  await memory.clear()
  await redis.clear()
  for (const db of [plain, withMemory, withRedis, mapping]) await db.close()
  await memory.close()
  await redis.close()
  await closeRaw()
  rmSync(dir, { recursive: true, force: true })
  return out
}

const wanted = opt.backends.split(',') as ('sqlite' | 'postgres')[]
const results: Row[] = []
for (const b of wanted) {
  if (b === 'postgres' && !(await pgReachable())) {
    console.log('PostgreSQL is not reachable: skipped')
    continue
  }
  results.push(...(await runBackend(b)))
}

console.log(`W9: W1 (1,000 posts + author), uncached vs .cache() warm; ${opt.rounds} rounds × ${opt.runs} runs\n`)
console.log(
  '| backend | system | wall ms (median) | wall p10–p90 | CPU ms | speed-up, CPU (min–max) | speed-up, wall (min–max) | target |',
)
console.log('|---|---|---|---|---|---|---|---|')
for (const r of results)
  console.log(
    `| ${r.backend} | ${r.system} | ${r.wallMs} | ${r.wallP10Ms}–${r.wallP90Ms} | ${r.cpuMs} | ${r.speedupCpu}× (${r.speedupCpuRange.join('–')}) | ${r.speedupWall}× (${r.speedupWallRange.join('–')}) | ${r.system === 'memory cache' ? '≥ 20×' : ''} |`,
  )
if (!opt['no-write'])
  console.log(
    `\n${writeResults(root, 'cache-w9', { git: gitInfo(root), machine: machineInfo(), options: opt, results })}`,
  )
