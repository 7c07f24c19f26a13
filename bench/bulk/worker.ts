/**
 * One (system, workload, backend) in a fresh process: warm-up, then timed runs (each after an untimed reset).
 * Prints `{ samples, rows, check }` as JSON. Usage: node bench/bulk/worker.ts '<Task JSON>'
 */
import { prepare, type Task } from './workloads.ts'

const task = JSON.parse(process.argv[2] ?? '') as Task
const p = await prepare(task)
const samples: number[] = []
for (let i = 0; i < task.warmup + task.runs; i++) {
  await p.reset?.()
  const t0 = performance.now()
  await p.run()
  if (i >= task.warmup) samples.push(performance.now() - t0)
}
const check = await p.check()
await p.reset?.()
await p.close()
process.stdout.write(`${JSON.stringify({ samples, rows: p.rows, check })}\n`)
