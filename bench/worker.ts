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
import type { WorkloadId } from './lib/workloads.ts'

export interface WorkerItem {
  readonly workload: WorkloadId
  readonly warmup: number
  readonly runs: number
  /** Raw's checksum, when known: a different result stops this workload before any timing. */
  readonly expect?: string
}

export interface WorkerTask {
  readonly system: string
  readonly backend: Backend
  readonly location: string
  readonly size: DataSize
  readonly ids: number[]
  /** One workload (the full run: a fresh process each), or several in turn (--quick). */
  readonly items: WorkerItem[]
  readonly gc?: boolean
  /** Time budgets of one workload's warm-up and timed runs (ms). */
  readonly warmupMs: number
  readonly timedMs: number
}

const MIN_RUNS = 3

export type WorkerResult =
  | { readonly ok: true; samples: number[]; cpu: number[]; checksum: string; rows: number; maxRssMb: number }
  | { readonly ok: false; na: string; checksum?: string }

const task = JSON.parse(process.argv[2] ?? '') as WorkerTask

const entry = SYSTEMS.find((s) => s.id === task.system)
if (!entry) throw new Error(`unknown system ${task.system}`)
const def = await loadSystem(entry)
const opened = await def.open({ backend: task.backend, location: task.location, size: task.size, ids: task.ids })
const results: WorkerResult[] = []
for (const item of task.items) results.push(await measure(item))
await opened.close()
process.stdout.write(`\n${JSON.stringify(results)}\n`)

async function measure(item: WorkerItem): Promise<WorkerResult> {
  const runner = opened.workloads[item.workload]
  if (!runner) return { ok: false, na: 'not written for this system yet' }
  if (typeof runner !== 'function') return { ok: false, na: runner.na }
  const first = canonical(item.workload, await runner())
  const checksum = hash(first.text)
  // BENCH_DUMP=dir: keep each canonical result, to diff a system whose result differs from raw's.
  if (process.env.BENCH_DUMP)
    writeFileSync(path.join(process.env.BENCH_DUMP, `${task.backend}-${item.workload}-${task.system}.txt`), first.text)
  if (item.expect && item.expect !== checksum)
    return { ok: false, na: `its result differs from raw's (checksum ${checksum}, raw ${item.expect})`, checksum }
  const gc = (globalThis as { gc?: () => void }).gc
  // Budgets keep the slowest systems from taking the run's whole time: warm-up stops after its runs or its
  // time, and timing after its runs or its time, with at least MIN_RUNS samples either way.
  const warmEnd = performance.now() + task.warmupMs
  for (let i = 0; i < item.warmup && performance.now() < warmEnd; i++) await runner()
  const samples: number[] = []
  // This process's CPU time per run too: on a shared machine it moves far less than wall time (for SQLite,
  // which runs in-process, it is nearly all the work; for PostgreSQL it leaves out the server's share).
  const cpu: number[] = []
  const timedEnd = performance.now() + task.timedMs
  for (let i = 0; i < item.runs && (i < MIN_RUNS || performance.now() < timedEnd); i++) {
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
