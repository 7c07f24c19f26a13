/**
 * One (system, workload, backend) in a fresh process: open, run once and check the result against the expected
 * checksum (raw's), warm up, then the timed runs. Prints one JSON line (WorkerResult).
 * Usage: node bench/worker.ts '<WorkerTask JSON>'
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { canonical, hash } from './lib/checksum.ts'
import type { Backend, DataSize } from './lib/data.ts'
import { loadSystem, SYSTEMS } from './lib/registry.ts'
import type { WorkloadId } from './lib/workloads.ts'

export interface WorkerTask {
  readonly system: string
  readonly workload: WorkloadId
  readonly backend: Backend
  readonly location: string
  readonly size: DataSize
  readonly ids: number[]
  readonly warmup: number
  readonly runs: number
  /** Raw's checksum, when known: a different result stops the worker before any timing. */
  readonly expect?: string
  readonly gc?: boolean
}

export type WorkerResult =
  | { readonly ok: true; samples: number[]; checksum: string; rows: number; maxRssMb: number; openMs: number }
  | { readonly ok: false; na: string; checksum?: string }

const task = JSON.parse(process.argv[2] ?? '') as WorkerTask
const out = (r: WorkerResult) => process.stdout.write(`\n${JSON.stringify(r)}\n`)

const entry = SYSTEMS.find((s) => s.id === task.system)
if (!entry) throw new Error(`unknown system ${task.system}`)
const def = await loadSystem(entry)
const t0 = performance.now()
const opened = await def.open({ backend: task.backend, location: task.location, size: task.size, ids: task.ids })
const openMs = performance.now() - t0
const runner = opened.workloads[task.workload]
if (!runner) {
  await opened.close()
  out({ ok: false, na: 'not written for this system yet' })
} else if (typeof runner !== 'function') {
  await opened.close()
  out({ ok: false, na: runner.na })
} else {
  const first = canonical(task.workload, await runner())
  const checksum = hash(first.text)
  // BENCH_DUMP=dir: keep each canonical result, to diff a system whose result differs from raw's.
  if (process.env.BENCH_DUMP)
    writeFileSync(path.join(process.env.BENCH_DUMP, `${task.backend}-${task.workload}-${task.system}.txt`), first.text)
  if (task.expect && task.expect !== checksum) {
    await opened.close()
    out({ ok: false, na: `result differs from raw's (checksum ${checksum}, raw ${task.expect})`, checksum })
  } else {
    const gc = (globalThis as { gc?: () => void }).gc
    for (let i = 0; i < task.warmup; i++) await runner()
    const samples: number[] = []
    for (let i = 0; i < task.runs; i++) {
      if (task.gc) gc?.()
      const t = performance.now()
      await runner()
      samples.push(performance.now() - t)
    }
    const maxRssMb = process.resourceUsage().maxRSS / 1024
    await opened.close()
    out({ ok: true, samples, checksum, rows: first.rows, maxRssMb, openMs })
  }
}
