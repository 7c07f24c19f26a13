/**
 * How many runs a fresh process needs before a workload's time settles: one system, one workload, in its own process
 * as the peer table's worker runs it (first run, then every run timed), printing the median CPU time of each group of
 * runs. The table's warm-up has to cover the unsettled part, or its timed runs measure the heap growing.
 *
 *   npx node --expose-gc bench/micro/settle.ts --system quarry --workload W4 [--runs 30] [--group 3]
 */
import { parseArgs } from 'node:util'
import { type Backend, TABLE_SIZE, tableData } from '../lib/data.ts'
import { loadSystem, SYSTEMS } from '../lib/registry.ts'
import { getIds, WRITE_ROWS } from '../lib/workloads.ts'

const { values: opt } = parseArgs({
  options: {
    system: { type: 'string', default: 'quarry' },
    workload: { type: 'string', default: 'W4' },
    backend: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '30' },
    group: { type: 'string', default: '3' },
  },
})
const backend = opt.backend as Backend
const def = await loadSystem(SYSTEMS.find((s) => s.id === opt.system)!)
const opened = await def.open({
  backend,
  location: await tableData(backend),
  size: TABLE_SIZE,
  ids: getIds(TABLE_SIZE, 10_000),
  rows: WRITE_ROWS[0],
})
const run = opened.workloads[opt.workload as never] as unknown as () => Promise<unknown>
const xs: number[] = []
for (let i = 0; i < Number(opt.runs); i++) {
  const c = process.cpuUsage()
  await run()
  const d = process.cpuUsage(c)
  xs.push((d.user + d.system) / 1000)
}
const g = Number(opt.group)
const groups: string[] = []
for (let i = 0; i < xs.length; i += g) {
  const part = xs.slice(i, i + g).sort((a, b) => a - b)
  groups.push(part[Math.floor(part.length / 2)]!.toPrecision(3))
}
console.log(`${opt.system} ${opt.workload}, median CPU ms of each ${g} runs: ${groups.join(' ')}`)
await opened.close()
process.exit(0)
