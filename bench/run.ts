/**
 * quarry against the raw drivers and its peers, side by side, on the same data (BENCHMARKS.md).
 *
 *   npm run bench                  # full run (SQLite file in WAL mode, and PostgreSQL if reachable)
 *   npm run bench -- --quick       # smoke run, under five minutes once bench/'s peers are installed
 *   npm run bench -- --backends sqlite --workloads W1,W4 --systems raw-node-sqlite,quarry,drizzle-sql
 *   npm run bench -- --backends sqlite --workloads W11 --systems raw-node-sqlite,quarry --no-write \
 *     --node-flags=--trace-gc --worker-log /tmp/w11-logs      # what the GC did in each worker
 *
 * Each (system, workload, backend) runs in a fresh process: one run checked equal to raw's result, warm-up,
 * then timed runs. Rounds interleave the systems (a different one goes first each round). Writes
 * bench/results/<date>-<backend>.json, then docs/benchmarks.md and docs/benchmarks.svg (bench/report.ts).
 */
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureInstalled } from './lib/setup.ts'
import { buildQuarry } from './shared/quarry-build.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backends: { type: 'string' },
    systems: { type: 'string' },
    workloads: { type: 'string' },
    rounds: { type: 'string' },
    seed: { type: 'string', default: '42' },
    authors: { type: 'string', default: '1000' },
    posts: { type: 'string', default: '20000' },
    gc: { type: 'boolean', default: false }, // force a GC before each timed run
    'timeout-s': { type: 'string', default: '300' },
    'warmup-s': { type: 'string' }, // time budget of one workload's warm-up (default 1, --quick 1)
    'timed-s': { type: 'string' }, // time budget of one workload's timed runs, at least 3 runs (default 3, --quick 3)
    'no-docs': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'prof-dir': { type: 'string' }, // --cpu-prof the quarry workers into this folder
    // Diagnosis: more Node flags for every worker (`--node-flags=--trace-gc`), and each worker's output appended to
    // <dir>/<system>.log (a worker's last line is its result; the rest is otherwise dropped).
    'node-flags': { type: 'string' },
    'worker-log': { type: 'string' },
    // build: quarry compiled with tsconfig.build.json, as users run it (shared/quarry-build.ts); src: its .ts sources
    // through Node's type stripping.
    quarry: { type: 'string', default: 'build' },
  },
})

if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(`bench needs Node 24 (node:sqlite); this is ${process.version}. Run it with: npm run bench`)
  process.exit(1)
}
ensureInstalled(here, root)

// Imported after the install: they load the bench package's dependencies.
const { pgReachable } = await import('./lib/data.ts')
const { ensureData } = await import('./lib/workload-data.ts')
const { SYSTEMS } = await import('./lib/registry.ts')
const { WORKLOADS, GETS, getIds, BIG_POSTS } = await import('./lib/workloads.ts')
type DataKind = import('./lib/workloads.ts').DataKind
const { median, stats } = await import('./lib/stats.ts')
const { gitState, writeResultFiles } = await import('./lib/results-file.ts')
type Backend = import('./lib/data.ts').Backend
type WorkerResult = import('./worker.ts').WorkerResult
type WorkerTask = import('./worker.ts').WorkerTask

const quick = opt.quick
const q = quick ? 1 : 0
const rounds = Number(opt.rounds ?? (quick ? 1 : 2))
const size = {
  seed: Number(opt.seed),
  authors: Number(opt.authors),
  posts: Number(opt.posts),
  tags: 200,
  tagsPerPost: 3,
}
const wantBackends = (opt.backends?.split(',') ?? ['sqlite', 'postgres']) as Backend[]
const wantSystems = opt.systems?.split(',')
const wantWorkloads = opt.workloads?.split(',')
const timeoutMs = Number(opt['timeout-s']) * 1000
const warmupMs = Number(opt['warmup-s'] ?? 1) * 1000
const timedMs = Number(opt['timed-s'] ?? 3) * 1000
const started = Date.now()

const load = () => os.loadavg().map((x) => Number(x.toFixed(2)))
const loadBefore = load()

// bench/bulk's sizes, which lib/workloads.ts repeats rather than imports (see there).
{
  const bulk = await import('./bulk/workloads.ts')
  const mine = await import('./lib/workloads.ts')
  for (const k of ['W6_ROWS', 'W6_LOOP_ROWS', 'W7_ROWS', 'W8_PAGE', 'W8_FETCHES'] as const)
    if (bulk[k] !== mine[k]) throw new Error(`bench/lib/workloads.ts: ${k} is ${mine[k]}, bench/bulk's is ${bulk[k]}`)
}

// The data sets of one backend: the peer table's blog, the 100,000-post blog (W8, W11), and the write workloads'
// database (authors and tags; its posts are reset before every run).
const sources = new Map<Backend, Record<DataKind, string>>()
const skipped: Record<string, string> = {}
const needs = (kind: DataKind) =>
  WORKLOADS.some((w) => !w.notBuilt && (w.data ?? 'main') === kind && (!wantWorkloads || wantWorkloads.includes(w.id)))
for (const b of wantBackends) {
  const t = performance.now()
  const ensure = async (kind: DataKind): Promise<string> => (needs(kind) ? ensureData(b, kind, size) : '')
  if (b === 'postgres' && !(await pgReachable())) {
    skipped[b] = 'PostgreSQL not reachable (QUARRY_BENCH_POSTGRES)'
    continue
  }
  sources.set(b, { main: await ensure('main'), big: await ensure('big'), writes: await ensure('writes') })
  console.log(`data ${b}: ready in ${((performance.now() - t) / 1000).toFixed(1)} s`)
}

const ids = getIds(size, GETS[q])
// Read before the build: the results name the source quarry was built from, even if a commit lands during the run.
const source = gitState(root)
if (opt.quarry !== 'build' && opt.quarry !== 'src') throw new Error('--quarry takes build or src')
const buildDir = opt.quarry === 'build' ? mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-build-')) : undefined
const quarryBuild = buildDir && buildQuarry(root, buildDir)
process.on('exit', () => buildDir && rmSync(buildDir, { recursive: true, force: true }))
const profDir = opt['prof-dir'] ? path.resolve(opt['prof-dir']) : undefined
const workerLog = opt['worker-log'] ? path.resolve(opt['worker-log']) : undefined
if (workerLog) mkdirSync(workerLog, { recursive: true })

function runWorker(task: WorkerTask): WorkerResult[] {
  const flags = ['--no-warnings', '--expose-gc', ...(opt['node-flags']?.split(' ').filter(Boolean) ?? [])]
  if (profDir && task.system.startsWith('quarry'))
    flags.push('--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', profDir)
  const r = spawnSync(process.execPath, [...flags, path.join(here, 'worker.ts'), JSON.stringify(task)], {
    cwd: here,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
  })
  if (workerLog) appendFileSync(path.join(workerLog, `${task.system}.log`), `${r.stdout ?? ''}${r.stderr ?? ''}`)
  // The result is the last line that is not a --trace-gc line (`[pid:0x…]`, which also starts with a bracket).
  const last = r.stdout
    ?.trim()
    .split('\n')
    .filter((l) => !/^\[\d+:0x/.test(l))
    .pop()
  if (r.status === 0 && last?.startsWith('[')) return JSON.parse(last) as WorkerResult[]
  const why = r.error?.message.includes('ETIMEDOUT')
    ? `it did not finish within ${opt['timeout-s']} s here`
    : `it failed: ${errorLine(r.stderr || r.stdout || '')}`
  return task.items.map(() => ({ ok: false, na: why }))
}

/** The error's own line from a crashed worker's output (not the stack below it). */
function errorLine(text: string): string {
  const lines = text.trim().split('\n')
  const line = lines.find((l) => /^[\w.]*(Error|Exception)( \[\w+\])?:/.test(l.trim())) ?? lines.at(-1) ?? ''
  return line.trim().slice(0, 300)
}

interface Cell {
  samples: number[]
  cpu: number[]
  perRound: number[]
  rss: number[]
  na?: string
  checksum?: string
  rows?: number
}

for (const [backend, src] of sources) {
  const systems = SYSTEMS.filter((s) => s.backends.includes(backend) && (!wantSystems || wantSystems.includes(s.id)))
  const reference = systems.find((s) => s.raw)
  const cells = new Map<string, Cell>()
  const key = (w: string, s: string) => `${w}/${s}`
  const loadDuring: number[][] = []
  const active = WORKLOADS.filter(
    (w) => !w.notBuilt && w.backends.includes(backend) && (!wantWorkloads || wantWorkloads.includes(w.id)),
  )
  const expect = new Map<string, string>()
  const record = (s: (typeof systems)[number], w: (typeof active)[number], r: WorkerResult) => {
    const cell = cells.get(key(w.id, s.id)) ?? { samples: [], cpu: [], perRound: [], rss: [] }
    cells.set(key(w.id, s.id), cell)
    if (cell.na) return
    if (!r.ok) {
      cell.na = r.na
      process.stdout.write(`  ${backend} ${w.id} ${s.id}: n/a, ${r.na}\n`)
      return
    }
    if (s === reference && !expect.has(w.id)) expect.set(w.id, r.checksum)
    cell.samples.push(...r.samples)
    cell.cpu.push(...r.cpu)
    cell.perRound.push(median(r.samples))
    cell.rss.push(r.maxRssMb)
    cell.checksum = r.checksum
    cell.rows = r.rows
  }
  const job = (s: (typeof systems)[number], ws: (typeof active)[number][]) => {
    const todo = ws.filter((w) => (!s.only || s.only.includes(w.id)) && !cells.get(key(w.id, s.id))?.na)
    if (!todo.length) return
    const items = todo.map((w) => ({
      workload: w.id,
      warmup: w.warmup[q]!,
      warmupMs: quick || w.warmupS === undefined ? undefined : w.warmupS * 1000,
      runs: w.runs[q]!,
      expect: expect.get(w.checkAs ?? w.id),
    }))
    const rs = runWorker({
      system: s.id,
      backend,
      locations: src,
      size,
      ids,
      items,
      gc: opt.gc,
      quick,
      warmupMs,
      timedMs,
      quarryBuild,
    })
    for (const [i, w] of todo.entries()) record(s, w, rs[i]!)
  }
  const summary = (w: (typeof active)[number]) => {
    const line = systems
      .filter((s) => cells.has(key(w.id, s.id)))
      .map((s) => {
        const c = cells.get(key(w.id, s.id))!
        if (c.na) return `${s.id} n/a`
        const rounds = c.perRound.map((m) => m.toFixed(1)).join('/')
        return `${s.id} ${median(c.samples).toFixed(2)} (cpu ${median(c.cpu).toFixed(2)}; rounds ${rounds})`
      })
      .join(', ')
    console.log(`${backend} ${w.id} (${((Date.now() - started) / 1000).toFixed(0)} s): ${line}`)
  }
  // Rotate the order each round; the reference raw system goes first in round one, so every other result is
  // checked against it before being timed.
  const rotated = (list: typeof systems, round: number) => list.map((_, i) => list[(i + round) % list.length]!)
  if (quick) {
    // Smoke run: one process per (system, backend) runs its workloads in turn.
    for (let round = 0; round < rounds; round++) {
      for (const s of rotated(systems, round)) job(s, active)
      loadDuring.push(load())
    }
    for (const w of active) summary(w)
  } else {
    for (const w of active) {
      for (let round = 0; round < Math.min(rounds, w.rounds ?? rounds); round++) {
        for (const s of rotated(systems, round)) if (round < (s.rounds ?? rounds)) job(s, [w])
        loadDuring.push(load())
      }
      summary(w)
    }
  }

  const result = {
    backend,
    quick,
    rounds,
    data: {
      ...size,
      bigPosts: BIG_POSTS,
      location: backend === 'sqlite' ? 'SQLite file, WAL, synchronous=NORMAL' : 'PostgreSQL (loopback)',
    },
    reference: reference?.id,
    load: { before: loadBefore, during: loadDuring, after: load() },
    workloads: WORKLOADS.map((w) => ({
      id: w.id,
      title: w.id === 'W4' ? `${GETS[q].toLocaleString('en')} ${w.title}` : w.title,
      notBuilt: w.notBuilt,
      data: w.data ?? 'main',
      rounds: quick ? rounds : Math.min(rounds, w.rounds ?? rounds),
      backendNa: w.backends.includes(backend) ? undefined : `${w.backends.join(', ') || 'no backend'} only`,
      target: w.target?.[backend],
      systems: Object.fromEntries(
        systems.map((s) => {
          const c = cells.get(key(w.id, s.id))
          if (s.only && !s.only.includes(w.id)) return [s.id, { skip: true }]
          if (!c) return [s.id, { na: w.notBuilt ? 'not in the peer table yet' : 'not run' }]
          if (c.na || !c.samples.length) return [s.id, { na: c.na ?? 'not run' }]
          return [
            s.id,
            {
              ...stats(c.samples),
              cpuMedian: Number(median(c.cpu).toFixed(4)),
              perRound: c.perRound.map((x) => Number(x.toFixed(4))),
              maxRssMb: Math.max(...c.rss),
              checksum: c.checksum,
              rows: c.rows,
            },
          ]
        }),
      ),
    })),
    systems: systems.map((s) => ({
      id: s.id,
      label: s.label,
      raw: s.raw ?? false,
      quarry: s.quarry ?? false,
      rounds: quick ? rounds : Math.min(rounds, s.rounds ?? rounds),
    })),
    skipped,
  }
  // The workloads whose warm-up has a budget of its own in a full run (the worker takes the larger).
  const ownWarmups = quick
    ? ''
    : WORKLOADS.flatMap((w) =>
        w.warmupS === undefined ? [] : [` (${w.id}: ${Math.max(w.warmupS, warmupMs / 1000)} s)`],
      ).join('')
  if (!opt['no-write'])
    console.log(
      `wrote ${writeResultFiles(
        root,
        here,
        backend,
        result,
        {
          gc: opt.gc,
          quarry: quarryBuild ? 'compiled with tsconfig.build.json (as published)' : 'src/*.ts via type stripping',
          timeoutS: Number(opt['timeout-s']),
          budgets: quick
            ? "a smoke run: no warm-up; the checked first run is the first sample (but for W9, whose first run fills the cache), then the workload's few --quick runs"
            : `warm-up: its runs or ${warmupMs / 1000} s${ownWarmups}, none after a first run longer than that; timed: its runs or ${timedMs / 1000} s, at least 3 runs`,
        },
        source,
      )}`,
    )
}
for (const [b, why] of Object.entries(skipped)) console.log(`${b}: skipped, ${why}`)
console.log(`total ${((Date.now() - started) / 60000).toFixed(1)} min`)
if (!opt['no-docs'] && !opt['no-write']) {
  const { writeReport } = await import('./report.ts')
  for (const f of writeReport(root)) console.log(`wrote ${path.relative(root, f)}`)
}
