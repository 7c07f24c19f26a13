/**
 * One (system, workload, backend) in a fresh process: open, run once and check the result against the expected
 * checksum (raw's), warm up, then the timed runs. Prints one JSON line (WorkerResult[], one per item).
 * Usage: node bench/worker.ts '<WorkerTask JSON>'
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { canonical, hash } from './lib/checksum.ts'
import type { Backend, DataSize } from './lib/data.ts'
import { loadSystem, SYSTEMS } from './lib/registry.ts'
import type { Opened } from './lib/system.ts'
import { BIG_POSTS, type DataKind, type WorkloadId, WRITE_ROWS, workloadById } from './lib/workloads.ts'
import { openWriteTarget, type WriteTarget } from './lib/writes.ts'
import { redirectToBuild } from './shared/quarry-build.ts'

export interface WorkerItem {
  readonly workload: WorkloadId
  readonly warmup: number
  readonly runs: number
  /** This workload's warm-up time budget (ms), when it needs more than the task's. */
  readonly warmupMs?: number
  /** Raw's checksum, when known: a different result stops this workload before any timing. */
  readonly expect?: string
}

export interface WorkerTask {
  readonly system: string
  readonly backend: Backend
  /** Where each data set lives (SQLite file or PostgreSQL URL): the workload's spec says which it uses. */
  readonly locations: Record<DataKind, string>
  /** The `main` data set's size (`big` has BIG_POSTS posts, `writes` none until a run writes them). */
  readonly size: DataSize
  readonly ids: number[]
  /** One workload (the full run: a fresh process each), or several in turn (--quick). */
  readonly items: WorkerItem[]
  readonly gc?: boolean
  /** --quick: the write workloads on a tenth of the rows. */
  readonly quick?: boolean
  /** Time budgets of one workload's warm-up and timed runs (ms). */
  readonly warmupMs: number
  readonly timedMs: number
  /** quarry's build (shared/quarry-build.ts): its workers load it instead of src/. */
  readonly quarryBuild?: string | undefined
}

const MIN_RUNS = 3

export type WorkerResult =
  | { readonly ok: true; samples: number[]; cpu: number[]; checksum: string; rows: number; maxRssMb: number }
  | { readonly ok: false; na: string; checksum?: string }

const task = JSON.parse(process.argv[2] ?? '') as WorkerTask

if (task.quarryBuild) redirectToBuild(path.resolve(import.meta.dirname, '..'), task.quarryBuild)
const entry = SYSTEMS.find((s) => s.id === task.system)
if (!entry) throw new Error(`unknown system ${task.system}`)
if (process.env.BENCH_TRACE) process.stderr.write(`loading the system at ${performance.now().toFixed(0)} ms\n`)
const def = await loadSystem(entry)
if (process.env.BENCH_TRACE) process.stderr.write(`loaded at ${performance.now().toFixed(0)} ms\n`)
// The system is opened once per data set its items use (each workload's spec names its data set).
const results = new Array<WorkerResult>(task.items.length)
const rows = WRITE_ROWS[task.quick ? 1 : 0]
const kindOf = (w: WorkloadId): DataKind => {
  const spec = workloadById.get(w)
  return (task.quick ? spec?.quickData : undefined) ?? spec?.data ?? 'main'
}
for (const kind of ['main', 'big', 'writes'] as const) {
  const mine = task.items.flatMap((item, i) => (kindOf(item.workload) === kind ? [i] : []))
  if (!mine.length) continue
  const size = kind === 'big' ? { ...task.size, posts: BIG_POSTS } : task.size
  const location = task.locations[kind]
  // The write workloads' table is reset before the system opens (W7's runners load the posts they update).
  let target: WriteTarget | undefined
  if (kind === 'writes') {
    target = await openWriteTarget(task.backend, location, task.size.seed, rows)
    const w = workloadById.get(task.items[mine[0]!]!.workload)!
    await target.reset(w.write!)
  }
  const opened = await def.open({ backend: task.backend, location, size, ids: task.ids, rows })
  for (const i of mine) results[i] = await measure(opened, task.items[i]!, target)
  await opened.close()
  await target?.close()
}
process.stdout.write(`\n${JSON.stringify(results)}\n`)

async function measure(opened: Opened, item: WorkerItem, target?: WriteTarget): Promise<WorkerResult> {
  const runner = opened.workloads[item.workload]
  if (!runner) return { ok: false, na: 'not written for this system yet' }
  if (typeof runner !== 'function') return { ok: false, na: runner.na }
  const spec = workloadById.get(item.workload)
  const write = spec?.write
  // Writes: the table is reset before every run, outside the timing, and the check reads the table back.
  const reset = write && target ? () => target.reset(write) : undefined
  const trace = process.env.BENCH_TRACE
    ? (what: string, t: number) =>
        process.stderr.write(`${item.workload} ${what}: ${(performance.now() - t).toFixed(0)} ms\n`)
    : () => {}
  let t = performance.now()
  if (process.env.BENCH_TRACE) process.stderr.write(`measure starts at ${t.toFixed(0)} ms\n`)
  await reset?.()
  trace('reset', t)
  const c0 = process.cpuUsage()
  t = performance.now()
  const out = await runner()
  const firstMs = performance.now() - t
  const firstCpu = process.cpuUsage(c0)
  trace('first run', t)
  t = performance.now()
  const first = write && target ? await target.digest() : canonical(item.workload, out)
  trace('check', t)
  const checksum = 'checksum' in first ? first.checksum : hash(first.text)
  // BENCH_DUMP=dir: keep each canonical result, to diff a system whose result differs from raw's.
  if (process.env.BENCH_DUMP)
    writeFileSync(
      path.join(process.env.BENCH_DUMP, `${task.backend}-${item.workload}-${task.system}.txt`),
      'text' in first ? first.text : JSON.stringify(first),
    )
  if (item.expect && item.expect !== checksum)
    return { ok: false, na: `its result differs from raw's (checksum ${checksum}, raw ${item.expect})`, checksum }
  const gc = (globalThis as { gc?: () => void }).gc
  // Budgets keep the slowest systems from taking the run's whole time: warm-up stops after its runs or its
  // time, and timing after its runs or its time, with at least MIN_RUNS samples either way.
  // A system whose checked first run alone took the warm-up's whole budget has had its warm-up: that run (a slow
  // peer's W4, W7 or W8-offset ran one more whole run here, ~2 min of a full run on a slow host).
  const warmMs = Math.max(task.warmupMs, item.warmupMs ?? 0)
  const warmEnd = performance.now() + (firstMs >= warmMs ? 0 : warmMs)
  for (let i = 0; i < item.warmup && performance.now() < warmEnd; i++) {
    await reset?.()
    await runner()
  }
  const samples: number[] = []
  // This process's CPU time per run too: on a shared machine it moves far less than wall time (for SQLite,
  // which runs in-process, it is nearly all the work; for PostgreSQL it leaves out the server's share).
  const cpu: number[] = []
  // A --quick run is a smoke run: its checked first run is its first sample too (cold), unless that run only
  // filled what the others read (W9's cache).
  if (task.quick && !spec?.firstFills && item.runs > 0) {
    samples.push(firstMs)
    cpu.push((firstCpu.user + firstCpu.system) / 1000)
  }
  const timedEnd = performance.now() + task.timedMs
  const minRuns = Math.min(item.runs, spec?.minRuns ?? MIN_RUNS)
  for (let i = samples.length; i < item.runs && (i < minRuns || performance.now() < timedEnd); i++) {
    await reset?.()
    if (task.gc) gc?.()
    const c = process.cpuUsage()
    const t = performance.now()
    await runner()
    samples.push(performance.now() - t)
    const d = process.cpuUsage(c)
    cpu.push((d.user + d.system) / 1000)
  }
  // Peak RSS of the process so far (W11 runs alone in its process in a full run).
  return { ok: true, samples, cpu, checksum, rows: first.rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }
}
