/**
 * bench/micro: quarry against hand-written node:sqlite code (prepared statements, array rows, hand mapping)
 * on a SQLite file in WAL mode. Each (system, workload) runs in a fresh child process: warm-up, then timed runs;
 * several rounds, the systems interleaved. Prints medians, spreads and quarry/raw ratios; writes
 * bench/results/micro-<date>.json.
 *
 *   npm run bench:micro                       # defaults
 *   npx node bench/micro/run.ts --rounds 3    # options: see parseArgs below
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { gitInfo, machineInfo, writeResults } from '../shared/results.ts'
import { buildDatabase, type DataSize } from './seed.ts'
import {
  FETCH,
  GETS,
  PAGES,
  type System,
  WORKLOADS,
  type WorkerResult,
  type WorkerTask,
  type WorkloadSpec,
} from './workloads.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' }, // fresh processes per (system, workload)
    runs: { type: 'string' }, // timed runs per process (default: per workload)
    warmup: { type: 'string' }, // warm-up runs per process (default: per workload)
    only: { type: 'string' }, // comma-separated workload ids
    seed: { type: 'string', default: '42' },
    authors: { type: 'string', default: '1000' },
    posts: { type: 'string', default: '20000' },
    tags: { type: 'string', default: '200' },
    'prof-dir': { type: 'string' }, // write --cpu-prof profiles of the quarry workers here
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
})

const [major] = process.versions.node.split('.').map(Number)
if (major! < 24) {
  console.error(
    `bench/micro needs Node 24 (setReturnArrays); this is ${process.version}. Run: npx node bench/micro/run.ts`,
  )
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
const only = opt.only?.split(',')
const workloads = WORKLOADS.filter((w) => !only || only.includes(w.id)).map((w) => ({
  ...w,
  warmup: opt.warmup ? Number(opt.warmup) : w.warmup,
  runs: opt.runs ? Number(opt.runs) : w.runs,
}))

const dir = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-'))
const file = path.join(dir, 'blog.db')
let t = performance.now()
await buildDatabase(file, size)
console.log(
  `data: ${size.authors} authors, ${size.posts} posts (~1 KB body), ${size.tags} tags × ${size.tagsPerPost} per post, seed ${size.seed}; ` +
    `SQLite file (WAL) ${file}, built in ${((performance.now() - t) / 1000).toFixed(1)} s`,
)

const profDir = opt['prof-dir'] ? path.resolve(opt['prof-dir']) : undefined
if (profDir) mkdirSync(profDir, { recursive: true })

function runWorker(system: System, w: WorkloadSpec): WorkerResult {
  const task: WorkerTask = {
    system,
    workload: w.id,
    file,
    posts: size.posts,
    seed: size.seed,
    warmup: w.warmup,
    runs: w.runs,
  }
  const flags: string[] = []
  if (profDir && system === 'quarry') flags.push('--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', profDir)
  const r = spawnSync(process.execPath, [...flags, path.join(here, 'worker.ts'), JSON.stringify(task)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (r.status !== 0) throw new Error(`worker ${system} ${w.id} failed (exit ${r.status})`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as WorkerResult
}

// Interleave: every round runs each workload on both systems back to back, alternating which goes first.
const samples = new Map<string, number[]>()
const perRound = new Map<string, number[]>()
const sums = new Map<string, string>()
t = performance.now()
for (let round = 0; round < rounds; round++) {
  for (const w of workloads) {
    const order: System[] = round % 2 === 0 ? ['raw', 'quarry'] : ['quarry', 'raw']
    for (const system of order) {
      const r = runWorker(system, w)
      const key = `${w.id}/${system}`
      samples.set(key, [...(samples.get(key) ?? []), ...r.samples])
      perRound.set(key, [...(perRound.get(key) ?? []), median(r.samples)])
      const prev = sums.get(w.id)
      if (prev !== undefined && prev !== r.checksum) {
        console.error(`${w.id}: results differ between systems (checksum ${prev} vs ${r.checksum} from ${system})`)
        process.exit(1)
      }
      sums.set(w.id, r.checksum)
    }
  }
  process.stdout.write(`round ${round + 1}/${rounds} done\n`)
}
console.log(
  `measured in ${((performance.now() - t) / 1000).toFixed(1)} s; results equal across systems (checksums match)\n`,
)

interface Stats {
  n: number
  median: number
  p10: number
  p90: number
  min: number
  max: number
  mean: number
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}
function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  )
}
function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b)
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p10: quantile(s, 0.1),
    p90: quantile(s, 0.9),
    min: s[0]!,
    max: s[s.length - 1]!,
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  }
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 10 ? x.toFixed(2) : x.toFixed(3))
const cell = (s: Stats) => `${fmt(s.median)} (p10–p90 ${fmt(s.p10)}–${fmt(s.p90)}; min–max ${fmt(s.min)}–${fmt(s.max)})`

const results = workloads.map((w) => {
  const raw = stats(samples.get(`${w.id}/raw`)!)
  const quarry = stats(samples.get(`${w.id}/quarry`)!)
  const ratio = quarry.median / raw.median
  const rq = perRound.get(`${w.id}/quarry`)!
  const rr = perRound.get(`${w.id}/raw`)!
  const roundRatios = rq.map((q, i) => q / rr[i]!)
  return { w, raw, quarry, ratio, roundRatios, checksum: sums.get(w.id)! }
})

console.log('| workload | raw node:sqlite, median ms | quarry, median ms | quarry/raw | per-round ratios | target | |')
console.log('|---|---|---|---|---|---|---|')
for (const r of results) {
  const rr = r.roundRatios
  console.log(
    `| ${r.w.id}: ${r.w.title} | ${cell(r.raw)} | ${cell(r.quarry)} | **${r.ratio.toFixed(2)}×** | ` +
      `${Math.min(...rr).toFixed(2)}–${Math.max(...rr).toFixed(2)} | ≤ ${r.w.target}× | ${r.ratio <= r.w.target ? 'met' : 'MISSED'} |`,
  )
}
const w4 = results.find((r) => r.w.id === 'W4')
if (w4)
  console.log(
    `\nW4 per call: raw ${((w4.raw.median / GETS) * 1000).toFixed(2)} µs, quarry ${((w4.quarry.median / GETS) * 1000).toFixed(2)} µs`,
  )
console.log(`
How measured: each (system, workload) in a fresh process (${rounds} rounds, systems interleaved, alternating which
goes first); per process a warm-up, then timed runs, no forced GC; one sample = one whole run.
Median/p10/p90/min/max over all samples; per-round ratios = quarry/raw of the per-process medians of one round.
W4: ${GETS.toLocaleString('en')} sequential awaited calls in an async loop, keeping only the last row. raw = an async function around a cached
prepared statement (setReturnArrays(true)) whose stmt.get(id) row is mapped into a class by hand; quarry =
await db.Post.get({ id }). W1-plain / W1: one run = one awaited fetch of ${FETCH.toLocaleString('en')} rows
(raw: async function, stmt.all() + hand mapping into classes; W1 adds the author JOIN / selectRelated('author')).
W5: ${PAGES} sequential awaited pages (published, title icontains one of ten words, newest 20; raw: the same
SQL with a plain LIKE, prepared once). Both systems convert published → boolean and created_at → Date; results are
checked equal by checksum.`)

const git = gitInfo(root)

if (!opt['no-write']) {
  const json = {
    machine: machineInfo(),
    git,
    data: { ...size, backend: 'SQLite file, WAL, synchronous=NORMAL' },
    method: {
      rounds,
      freshProcessPer: '(system, workload, round)',
      interleaved: true,
      forcedGc: false,
      sample: 'ms for one whole run',
    },
    workloads: results.map((r) => ({
      id: r.w.id,
      title: r.w.title,
      quarry: r.w.quarryCode,
      raw: r.w.rawCode,
      warmup: r.w.warmup,
      runsPerProcess: r.w.runs,
      target: r.w.target,
      ratio: Number(r.ratio.toFixed(4)),
      met: r.ratio <= r.w.target,
      roundRatios: r.roundRatios.map((x) => Number(x.toFixed(4))),
      checksum: r.checksum,
      rawStats: r.raw,
      quarryStats: r.quarry,
      rawSamples: samples.get(`${r.w.id}/raw`)!.map((x) => Number(x.toFixed(4))),
      quarrySamples: samples.get(`${r.w.id}/quarry`)!.map((x) => Number(x.toFixed(4))),
    })),
  }
  const out = writeResults(root, 'micro', json)
  console.log(`\nwrote ${path.relative(root, out)}`)
}
if (profDir)
  console.log(`quarry CPU profiles in ${profDir} (summarise: npx node bench/micro/profile-summary.ts ${profDir})`)
if (!opt.keep) rmSync(dir, { recursive: true, force: true })
