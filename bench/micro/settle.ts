/**
 * How many runs a fresh process needs before a workload's time settles: one system, one workload, in its own process
 * as the peer table's worker runs it (first run, then every run timed), printing the median CPU time of each group of
 * runs. The table's warm-up has to cover the unsettled part, or its timed runs measure the heap growing.
 *
 *   npx node --expose-gc bench/micro/settle.ts --system quarry --workload W4 [--runs 30] [--group 3] [--heap]
 *     [--profile FILE]
 *
 * --heap also prints, per group, the young generation's size (MB, both semi-spaces) and the minor page faults taken:
 * V8 grows the young generation as what survives its scavenges adds up, and the runs after a growth fault its new pages
 * in (~15 µs a fault on this VM: a 32 -> 64 MB growth costs ~0.25 s spread over the next runs). Whether and when that
 * falls in the timed runs of a table's process differs by system (bench/notes.md, ninth pass).
 *
 * --profile FILE writes a CPU profile (sampled every 100 µs) of the second half of the runs only, the settled part
 * without start-up and data set-up: `npx node bench/micro/profile-summary.ts FILE --ops N` then gives µs per operation.
 */

import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { parseArgs } from 'node:util'
import { getHeapSpaceStatistics } from 'node:v8'
import type { Backend } from '../lib/data.ts'
import { loadSystem, SYSTEMS } from '../lib/registry.ts'
import { workloadData } from '../lib/workload-data.ts'
import { getIds, WORKLOADS, WRITE_ROWS } from '../lib/workloads.ts'
import { openWriteTarget } from '../lib/writes.ts'

const { values: opt } = parseArgs({
  options: {
    system: { type: 'string', default: 'quarry' },
    workload: { type: 'string', default: 'W4' },
    backend: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '30' },
    group: { type: 'string', default: '3' },
    heap: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
})
const backend = opt.backend as Backend
const def = await loadSystem(SYSTEMS.find((s) => s.id === opt.system)!)
const { location, size } = await workloadData(backend, opt.workload)
// Writes (W6, W6-loop, W7): the table is reset before the system opens (W7's runners load the posts they update) and
// before every run, outside the timing, as the table's worker does. A profile of a write includes the resets.
const write = WORKLOADS.find((w) => w.id === opt.workload)?.write
const target = write ? await openWriteTarget(backend, location, size.seed, WRITE_ROWS[0]) : undefined
await target?.reset(write!)
const opened = await def.open({
  backend,
  location,
  size,
  ids: getIds(size, 10_000),
  rows: WRITE_ROWS[0],
})
const run = opened.workloads[opt.workload as never] as unknown as () => Promise<unknown>
const g = Number(opt.group)
const xs: number[] = []
const heap: string[] = []
let faults = process.resourceUsage().minorPageFault
const runs = Number(opt.runs)
const profiler = opt.profile ? new Session() : undefined
for (let i = 0; i < runs; i++) {
  if (profiler && i === Math.floor(runs / 2)) {
    profiler.connect()
    await profiler.post('Profiler.enable')
    await profiler.post('Profiler.setSamplingInterval', { interval: 100 })
    await profiler.post('Profiler.start')
  }
  await target?.reset(write!)
  const c = process.cpuUsage()
  await run()
  const d = process.cpuUsage(c)
  xs.push((d.user + d.system) / 1000)
  if (opt.heap && (i + 1) % g === 0) {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size / 2 ** 20
    const now = process.resourceUsage().minorPageFault
    heap.push(`${young.toFixed(0)} MB/${now - faults}`)
    faults = now
  }
}
if (profiler && opt.profile) {
  const { profile } = await profiler.post('Profiler.stop')
  writeFileSync(opt.profile, JSON.stringify(profile))
  console.log(`profile of runs ${Math.floor(runs / 2) + 1}-${runs}: ${opt.profile}`)
}
const groups: string[] = []
for (let i = 0; i < xs.length; i += g) {
  const part = xs.slice(i, i + g).sort((a, b) => a - b)
  groups.push(part[Math.floor(part.length / 2)]!.toPrecision(3))
}
if (opt.heap) console.log(`young generation / minor faults, each ${g} runs: ${heap.join(' ')}`)
console.log(`${opt.system} ${opt.workload}, median CPU ms of each ${g} runs: ${groups.join(' ')}`)
await opened.close()
await target?.close()
process.exit(0)
