/**
 * One (system, workload, backend) in a fresh process: warm-up, then timed runs (each after an untimed reset).
 * Prints `{ samples, cpu, rows, check }` as JSON: wall ms and this process's CPU ms (user + system) per timed run.
 * On SQLite the database works in this process, so its CPU time counts the database's work too and is far less
 * disturbed by other jobs on the machine than wall time. Usage: node bench/bulk/worker.ts '<Task JSON>'
 */
import { prepare, type Task } from './workloads.ts'

const task = JSON.parse(process.argv[2] ?? '') as Task
const p = await prepare(task)
const samples: number[] = []
const cpu: number[] = []
for (let i = 0; i < task.warmup + task.runs; i++) {
  await p.reset?.()
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await p.run()
  const t = performance.now() - t0
  const c = process.cpuUsage(c0)
  if (i >= task.warmup) {
    samples.push(t)
    cpu.push((c.user + c.system) / 1000)
  }
}
const check = await p.check()
await p.reset?.()
await p.close()
process.stdout.write(`${JSON.stringify({ samples, cpu, rows: p.rows, check })}\n`)
