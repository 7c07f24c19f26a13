/**
 * One (system, workload) in a fresh process: warm-up, then timed runs. Prints a WorkerResult as JSON.
 * Usage: node bench/micro/worker.ts '<WorkerTask JSON>'
 */
import { checksum, prepare, type WorkerResult, type WorkerTask } from './workloads.ts'

const task = JSON.parse(process.argv[2] ?? '') as WorkerTask
const p = await prepare(task)
for (let i = 0; i < task.warmup; i++) await p.run()
const samples: number[] = []
for (let i = 0; i < task.runs; i++) {
  // No forced gc() between runs: after a full GC V8 shrinks the young generation, which overcharged
  // allocation-heavy code by ~20% in trials; steady-state heaps are what applications see.
  const t0 = performance.now()
  await p.run()
  samples.push(performance.now() - t0)
}
const last = await (p.collect ? p.collect() : p.run())
await p.close()
const sum = checksum(last, task.workload === 'W1')
const result: WorkerResult = {
  system: task.system,
  workload: task.workload,
  samples,
  checksum: sum.hash,
  rows: sum.rows,
}
process.stdout.write(`${JSON.stringify(result)}\n`)
