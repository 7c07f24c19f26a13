/**
 * Instructions per run, by callgrind, for any system and workload of the peer table: the A/B this machine's noise
 * cannot move. In one process per (system, workload), under valgrind: open the system as the peer table does, warm up,
 * then zero callgrind's counters (`callgrind_control -z`), run the timed runs, and dump (`callgrind_control -d`). The
 * dump holds exactly the timed runs (every thread: compiler and GC threads too), with start-up and warm-up left out.
 *
 *   npx node bench/micro/instructions.ts --workloads W1,W2,W5 --systems raw-node-sqlite,quarry,drizzle-sql
 *   npx node bench/micro/instructions.ts --backend postgres --workloads W4 --systems raw-postgres-js,quarry
 *
 * Options: --backend sqlite|postgres (default sqlite), --warm N (warm-up runs, default 50; W3's 300), --runs N (measured runs,
 * default 20), --jobs N (valgrinds at once, default 2), --no-write, --keep DIR (keep each dump as
 * DIR/<workload>-<system>.callgrind: `callgrind_annotate` then names the V8 builtins and C++ functions the
 * instructions went to; JIT-compiled JavaScript shows as `???`). Each process takes 2–5 minutes (valgrind runs
 * code ~50× slower). Prints millions of instructions per run and each system's ratio to the first system listed,
 * and writes bench/results/instructions-<backend>-<date>.json.
 *
 * Repeated runs of one system agree within ~1% on SQLite. On PostgreSQL the counts also take in the driver's socket
 * handling and whatever compiling is still going on, and move by up to ~10% between processes.
 */
import { execFile, execSync } from 'node:child_process'
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadSystem, SYSTEMS } from '../lib/registry.ts'
import type { Runner } from '../lib/system.ts'
import { workloadData } from '../lib/workload-data.ts'
import { getIds, WORKLOADS, WRITE_ROWS } from '../lib/workloads.ts'
import { gitInfo, machineInfo, writeResults } from '../shared/results.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: opt } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    workloads: { type: 'string', default: 'W1,W2,W4,W5' },
    systems: { type: 'string', default: 'raw-node-sqlite,quarry' },
    warm: { type: 'string' },
    runs: { type: 'string', default: '20' },
    jobs: { type: 'string', default: '2' },
    child: { type: 'string' }, // internal: "system,workload" measured in this (valgrind's) process
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'string' }, // keep each timed dump here as <workload>-<system>.callgrind, for callgrind_annotate
  },
})
const backend = opt.backend as 'sqlite' | 'postgres'
/**
 * W3's young generation grows near its 80th run, and the ~5 runs after it take twice the instructions: 50 warm-up runs
 * put that inside the timed runs of some processes and not others (24.5 against 26.8 M for one build).
 */
const warmFor = (workload: string) => Number(opt.warm ?? (workload === 'W3' ? 300 : 50))

if (opt.child) {
  const [id, workload] = opt.child.split(',') as [string, string]
  const entry = SYSTEMS.find((s) => s.id === id)
  if (!entry) throw new Error(`unknown system ${id}`)
  const def = await loadSystem(entry)
  const { location, size } = await workloadData(backend, workload)
  const opened = await def.open({
    backend,
    location,
    size,
    ids: getIds(size, 2000),
    rows: WRITE_ROWS[0],
  })
  const run = opened.workloads[workload as keyof typeof opened.workloads]
  if (typeof run !== 'function') throw new Error(`${id} has no ${workload} here (${run?.na ?? 'not written'})`)
  for (let i = 0, n = warmFor(workload); i < n; i++) await (run as Runner)()
  execSync(`callgrind_control -z ${process.pid}`)
  for (let i = 0; i < Number(opt.runs); i++) await (run as Runner)()
  execSync(`callgrind_control -d ${process.pid}`)
  await opened.close()
  process.exit(0)
}

const node = process.execPath
const tasks = opt.workloads.split(',').flatMap((w) => opt.systems.split(',').map((s) => ({ w, s })))
for (const { w } of tasks)
  if (WORKLOADS.find((x) => x.id === w)?.write)
    throw new Error(`${w} writes: its runs would not start from the same table (settle.ts resets it before each run)`)
for (const w of new Set(tasks.map((t) => t.w))) await workloadData(backend, w) // build the data once, outside valgrind
const counts = new Map<string, number>()
const dir = os.tmpdir()

async function measure(w: string, s: string): Promise<void> {
  const out = path.join(dir, `quarry-instructions-${process.pid}-${w}-${s}`)
  const args = [
    '--tool=callgrind',
    `--callgrind-out-file=${out}`,
    node,
    fileURLToPath(import.meta.url),
    `--backend=${backend}`,
    `--warm=${warmFor(w)}`,
    `--runs=${opt.runs}`,
    `--child=${s},${w}`,
  ]
  await new Promise<void>((resolve, reject) =>
    // In bench/, as the peer table's workers run: quarry loads an opt-in driver (better-sqlite3) from the app's folder.
    execFile('valgrind', args, { maxBuffer: 64 << 20, cwd: path.join(here, '..') }, (err, _stdout, stderr) =>
      err ? reject(new Error(`${s} ${w}: ${err.message}\n${stderr.slice(-2000)}`)) : resolve(),
    ),
  )
  // The dump made at the end of the timed runs is `<out>.1`; its `summary:` line is the instruction count.
  const summary = /^summary: (\d+)$/m.exec(readFileSync(`${out}.1`, 'utf8'))
  rmSync(out, { force: true })
  if (opt.keep) {
    mkdirSync(opt.keep, { recursive: true })
    renameSync(`${out}.1`, path.join(opt.keep, `${w}-${s}.callgrind`))
  } else rmSync(`${out}.1`, { force: true })
  if (!summary) throw new Error(`${s} ${w}: no summary in the callgrind dump`)
  counts.set(`${w} ${s}`, Number(summary[1]) / Number(opt.runs))
  console.error(`${w} ${s}: ${(Number(summary[1]) / Number(opt.runs) / 1e6).toFixed(2)} M instructions per run`)
}

const queue = [...tasks]
await Promise.all(
  Array.from({ length: Number(opt.jobs) }, async () => {
    for (let t = queue.shift(); t; t = queue.shift()) await measure(t.w, t.s)
  }),
)

const systems = opt.systems.split(',')
console.log(
  `\nInstructions per run (callgrind, ${opt.runs} runs after ${opt.warm ?? 'the default'} warm-up runs, ${backend}), millions; ratio to ${systems[0]}\n`,
)
console.log(`| workload | ${systems.join(' | ')} |`)
console.log(`|---|${systems.map(() => '---|').join('')}`)
for (const w of opt.workloads.split(',')) {
  const ref = counts.get(`${w} ${systems[0]}`)!
  const cells = systems.map((s) => {
    const c = counts.get(`${w} ${s}`)!
    return `${(c / 1e6).toFixed(2)} (${(c / ref).toFixed(2)}×)`
  })
  console.log(`| ${w} | ${cells.join(' | ')} |`)
}
if (!opt['no-write']) {
  const root = path.resolve(here, '../..')
  const perRun = Object.fromEntries([...counts].map(([k, v]) => [k, Math.round(v)]))
  const out = writeResults(root, `instructions-${backend}`, {
    git: gitInfo(root),
    machine: machineInfo(),
    method:
      'callgrind instructions of the timed runs only (counters zeroed after warm-up), every thread, no kernel time',
    options: {
      backend,
      warm: Object.fromEntries(opt.workloads.split(',').map((w) => [w, warmFor(w)])),
      runs: Number(opt.runs),
      workloads: opt.workloads,
      systems: opt.systems,
    },
    instructionsPerRun: perRun,
  })
  console.log(`\n${path.relative(root, out)}`)
}
