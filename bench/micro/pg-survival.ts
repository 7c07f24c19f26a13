/**
 * How much of what a get-by-key allocates on PostgreSQL survives V8's scavenges, W4's loop through three layers:
 * quarry's `get()`, quarry's PostgresConnection.rows alone, and postgres.js called straight from the loop (raw's way).
 * Each layer runs in its own fresh process under `--trace-gc-nvp`; the table gives, over the last scavenges, the bytes a
 * scavenge found alive (`new_space_survived`), what it had allocated since the one before, its pause and its helper
 * threads' time (both count as the process's CPU), and the median CPU time of the settled runs.
 *
 *   npx node bench/micro/pg-survival.ts [--layers get,connection,postgres-js] [--runs 12] [--keep] [--node-flags=--max-opt=2]
 *   npx node bench/micro/pg-survival.ts --layers js-assigned,js-declared --node-flags=--max-opt=2
 *
 * The two `js-` layers need no database: each "get" awaits a promise resolved from `setImmediate` with a row of seven
 * 150-character strings, after storing a closure on the promise, `p.f = () => …` (js-assigned) or `const f = () => …;
 * p.f = f` (js-declared): the pattern at the bottom of it, without postgres.js (run them without TurboFan, as code
 * reached through a few calls mostly runs).
 *
 * By default nothing is kept (each row is dropped once read), so whatever a scavenge finds alive is held by something
 * other than the loop. --keep stores every row in an array, as W4 does. What this showed (bench/notes.md, twelfth
 * pass): postgres.js 3.4.9's query constructor assigns its resolve/reject closures straight to properties, which V8
 * allocates in the old generation; dead, they keep each query, its promise and result alive through scavenges, unless
 * TurboFan compiled the constructor into the awaiting function (postgres.js straight from a loop). quarry empties
 * postgres.js's result (postgres-driver.ts `detach`), so only the query objects survive.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { schema } from '../../examples/demo/schema.ts'
import { PostgresBackend } from '../../src/backends/postgres/postgres-backend.ts'
import { connect } from '../../src/index.ts'
import { TABLE_SIZE } from '../lib/data.ts'
import { ensureData } from '../lib/workload-data.ts'
import { getIds } from '../lib/workloads.ts'

const LAYERS = ['get', 'connection', 'postgres-js', 'js-assigned', 'js-declared'] as const
type Layer = (typeof LAYERS)[number]

const { values: opt } = parseArgs({
  options: {
    layers: { type: 'string', default: LAYERS.join(',') },
    runs: { type: 'string', default: '12' },
    keep: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    child: { type: 'string' },
  },
})
const runs = Number(opt.runs)
if (!Number.isInteger(runs) || runs < 4) throw new RangeError('--runs takes a whole number of at least 4')

/** The statement a get by primary key runs (the demo's Post, quarry's column order). */
const ONE =
  'SELECT "id", "title", "body", "views", "published", "created_at", "author_id" FROM "blog_post" WHERE "id" = $1'

async function child(layer: Layer): Promise<void> {
  const url = layer.startsWith('js-') ? '' : await ensureData('postgres', 'main')
  const ids = getIds(TABLE_SIZE, 10_000)
  let one: (id: number) => Promise<unknown>
  let close: () => Promise<unknown>
  if (layer === 'get') {
    const db = await connect(url, schema)
    one = (id) => db.Post.get({ id })
    close = () => db.close()
  } else if (layer === 'connection') {
    const backend = new PostgresBackend(url)
    const conn = backend.idleConnection()!
    one = async (id) => (await conn.rows(ONE, [id]))[0]
    close = () => backend.close()
  } else if (layer === 'postgres-js') {
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    one = async (id) => (await sql.unsafe(ONE, [id], { prepare: true }).values())[0]
    close = () => sql.end()
  } else {
    const row = () => Array.from({ length: 7 }, (_, i) => `${'x'.repeat(150)}${i}${Math.random()}`)
    one =
      layer === 'js-assigned'
        ? async () => {
            let resolve!: (r: string[]) => void
            const p = new Promise<string[]>((r) => {
              resolve = r
            }) as Promise<string[]> & { f?: () => void }
            p.f = () => resolve([])
            setImmediate(() => resolve(row()))
            return (await p)[0]
          }
        : async () => {
            let resolve!: (r: string[]) => void
            const p = new Promise<string[]>((r) => {
              resolve = r
            }) as Promise<string[]> & { f?: () => void }
            const f = () => resolve([])
            p.f = f
            setImmediate(() => resolve(row()))
            return (await p)[0]
          }
    close = async () => {}
  }
  const cpu: number[] = []
  for (let r = 0; r < runs; r++) {
    const out: unknown[] = opt.keep ? new Array(ids.length) : []
    const c = process.cpuUsage()
    for (let i = 0; i < ids.length; i++) {
      const row = await one(ids[i]!)
      if (opt.keep) out[i] = row
    }
    const d = process.cpuUsage(c)
    cpu.push((d.user + d.system) / 1000)
  }
  await close()
  const settled = cpu.slice(Math.floor(runs / 2)).sort((a, b) => a - b)
  console.log(`CPU ${settled[Math.floor(settled.length / 2)]!.toFixed(0)}`)
}

/** Averages over a process's last eight scavenges (the settled part), from `--trace-gc-nvp` lines. */
function summarize(log: string): Record<string, number> | undefined {
  const scavenges = log.split('\n').filter((l) => / gc=s /.test(l))
  const last = scavenges.slice(-8)
  if (last.length === 0) return undefined
  const avg = (name: string) => {
    let sum = 0
    for (const l of last) sum += Number(new RegExp(` ${name}=([0-9.]+)`).exec(l)?.[1] ?? 0)
    return sum / last.length
  }
  return {
    survived: avg('new_space_survived') / 1e6,
    allocated: avg('allocated') / 1e6,
    pause: avg('pause'),
    helpers: avg('background\\.scavenge\\.parallel'),
    cpu: Number(/^CPU (\d+)/m.exec(log)?.[1]),
  }
}

if (opt.child) {
  if (!LAYERS.includes(opt.child as Layer)) throw new RangeError(`--child takes one of ${LAYERS.join(', ')}`)
  await child(opt.child as Layer)
  process.exit(0)
}

const layers = opt.layers.split(',') as Layer[]
for (const l of layers)
  if (!LAYERS.includes(l)) throw new RangeError(`unknown layer '${l}'; --layers takes ${LAYERS.join(', ')}`)
const self = fileURLToPath(import.meta.url)
console.log(
  `10,000 gets a run, ${runs} runs, rows ${opt.keep ? 'kept (as W4)' : 'dropped'}; per scavenge (last 8): MB alive, MB allocated since the last, pause ms, helper-thread ms; CPU ms a run (median of the settled half)`,
)
for (const layer of layers) {
  const flags = opt['node-flags'] ? opt['node-flags'].split(' ') : []
  const args = [...flags, '--trace-gc-nvp', self, '--child', layer, '--runs', String(runs)]
  if (opt.keep) args.push('--keep')
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, timeout: 600_000 })
  const s = r.status === 0 ? summarize(r.stdout) : undefined
  if (!s) {
    console.log(`${layer.padEnd(12)} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
    continue
  }
  console.log(
    `${layer.padEnd(12)} alive ${s.survived!.toFixed(1).padStart(5)}  allocated ${s.allocated!.toFixed(1).padStart(5)}  pause ${s.pause!.toFixed(1).padStart(5)}  helpers ${s.helpers!.toFixed(1).padStart(5)}  CPU ${s.cpu}`,
  )
}
