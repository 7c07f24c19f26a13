/**
 * The peer table's systems in ONE process, interleaved, CPU time: an A/B that the machine's drift between fresh
 * processes does not move (the table's fresh processes read the same code 0.9–1.25× raw from one minute to the next).
 *
 *   npx node --expose-gc bench/micro/inproc.ts --workloads W1,W4,W5 --systems raw-node-sqlite,quarry,quarry-n1-off
 *     [--backend sqlite|postgres] [--rounds 9] [--ms 400]
 *
 * Each round runs every (workload, system) for --ms of CPU (or with --wall, wall) time after a GC and records the median run; the table
 * gives the median over rounds of each system's round median and of its ratio to the first system in the same round.
 */
import { parseArgs } from 'node:util'
import { type Backend, TABLE_SIZE } from '../lib/data.ts'
import { loadSystem, SYSTEMS } from '../lib/registry.ts'
import { ensureData } from '../lib/workload-data.ts'
import { getIds, WORKLOADS, WRITE_ROWS } from '../lib/workloads.ts'

const { values: opt } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'W1,W2,W4,W5' },
    systems: { type: 'string', default: 'raw-node-sqlite,quarry,quarry-n1-off' },
    backend: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '9' },
    ms: { type: 'string', default: '400' },
    wall: { type: 'boolean', default: false }, // wall time instead of CPU time (PostgreSQL: the server's share counts)
  },
})
const size = TABLE_SIZE
const workloads = opt.workloads.split(',')
// One data set for every system and workload: the table's blog. W8/W11 read the 100,000-post one, and a write would
// leave the shared set changed for every later run (settle.ts opens any workload's own set and resets writes).
for (const w of workloads) {
  const kind = WORKLOADS.find((x) => x.id === w)?.data ?? 'main'
  if (kind !== 'main') throw new Error(`${w} uses the '${kind}' data set; inproc.ts runs the main set's workloads only`)
}
const location = await ensureData(opt.backend as Backend, 'main')
const ids = getIds(size, 10_000)
const systems = opt.systems.split(',')
const opened = new Map<string, Record<string, unknown>>()
for (const id of systems) {
  const def = await loadSystem(SYSTEMS.find((s) => s.id === id)!)
  const o = await def.open({ backend: opt.backend as Backend, location, size, ids, rows: WRITE_ROWS[0] })
  opened.set(id, o.workloads as Record<string, unknown>)
}
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const cpu = opt.wall
  ? () => performance.now()
  : () => {
      const u = process.cpuUsage()
      return (u.user + u.system) / 1000
    }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const per = new Map<string, number[]>()
for (let r = 0; r < Number(opt.rounds); r++) {
  for (const w of workloads) {
    const order = r % 2 ? [...systems].reverse() : systems
    for (const s of order) {
      const run = opened.get(s)![w] as () => Promise<unknown>
      gc()
      const runs: number[] = []
      const end = cpu() + Number(opt.ms)
      while (cpu() < end || runs.length < 3) {
        const c = cpu()
        await run()
        runs.push(cpu() - c)
      }
      const k = `${w}/${s}`
      per.set(k, [...(per.get(k) ?? []), med(runs)])
    }
  }
}
console.log(`| workload | ${systems.join(' | ')} |\n|---|${systems.map(() => '---|').join('')}`)
for (const w of workloads) {
  const base = per.get(`${w}/${systems[0]}`)!
  const cells = systems.map((s) => {
    const xs = per.get(`${w}/${s}`)!
    const ratio = med(xs.map((x, i) => x / base[i]!))
    return `${med(xs).toFixed(2)} ms (${ratio.toFixed(3)}×, ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`
  })
  console.log(`| ${w} | ${cells.join(' | ')} |`)
}
process.exit(0)
