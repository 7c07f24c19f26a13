/**
 * PostgreSQL streaming at the wire, postgres.js alone, on W11's 100,000-post set: the `DECLARE … CURSOR` / `FETCH
 * FORWARD n` loop quarry's `iterator()` runs, at several n, against postgres.js's own `cursor(n)` (the protocol's Execute
 * with a row limit), interleaved over rounds; then, per n, the temporary files PostgreSQL wrote for one loop
 * (`pg_stat_database`): it stores a `FETCH`'s rows before sending them, through a file past `work_mem`.
 *
 *   npx node bench/micro/pg-fetch.ts [--sizes 500,1000,2000,4000] [--rounds 5]
 */
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { workloadData } from '../lib/workload-data.ts'

const { values: opt } = parseArgs({
  options: { sizes: { type: 'string', default: '500,1000,2000,4000' }, rounds: { type: 'string', default: '5' } },
})
const sizes = opt.sizes.split(',').map(Number)
const { location } = await workloadData('postgres', 'W11')
const sql = postgres(location, { max: 2, onnotice: () => {} })
const QUERY = 'SELECT * FROM blog_post'

type Reserved = Awaited<ReturnType<typeof sql.reserve>>

async function fetchLoop(r: Reserved, n: number): Promise<number> {
  let rows = 0
  await r.unsafe('BEGIN READ ONLY')
  await r.unsafe(`DECLARE bench_cursor NO SCROLL CURSOR FOR ${QUERY}`)
  for (;;) {
    const chunk = await r.unsafe(`FETCH FORWARD ${n} FROM bench_cursor`).values()
    rows += chunk.length
    if (chunk.length < n) break
  }
  await r.unsafe('COMMIT')
  return rows
}

async function viaFetch(n: number): Promise<number> {
  const r = await sql.reserve()
  try {
    return await fetchLoop(r, n)
  } finally {
    r.release()
  }
}

async function viaCursor(n: number): Promise<number> {
  let rows = 0
  for await (const chunk of sql.unsafe(QUERY).values().cursor(n) as AsyncIterable<unknown[][]>) rows += chunk.length
  return rows
}

const times = new Map<string, number[]>()
const time = async (label: string, f: () => Promise<number>) => {
  const t = performance.now()
  const rows = await f()
  if (rows !== 100_000) throw new Error(`${label}: ${rows} rows`)
  times.set(label, [...(times.get(label) ?? []), performance.now() - t])
}
for (let round = 0; round < Number(opt.rounds); round++) {
  for (const n of sizes) await time(`FETCH FORWARD ${n}`, () => viaFetch(n))
  for (const n of [500, 2000]) await time(`cursor(${n})`, () => viaCursor(n))
}
console.log(`100,000 posts, wall ms over ${opt.rounds} rounds (median; every round):`)
for (const [label, xs] of times) {
  const sorted = [...xs].sort((a, b) => a - b)
  console.log(
    `  ${label.padEnd(18)} ${sorted[sorted.length >> 1]!.toFixed(0).padStart(6)}   ${xs.map((x) => x.toFixed(0)).join(' ')}`,
  )
}

// A session flushes its statistics at most once a second unless told to, so each loop's temporary files are counted
// in its own session: flush (`pg_stat_force_next_flush()`, PostgreSQL 15+, done before the statement's reply), then read.
const stats = async (r: Reserved) => {
  await r`SELECT pg_stat_force_next_flush()`
  return (await r`SELECT temp_files, temp_bytes FROM pg_stat_database WHERE datname = current_database()`)[0]!
}
const workMem = (await sql`SHOW work_mem`)[0]!.work_mem as string
console.log(`temporary files for one FETCH loop (work_mem ${workMem}):`)
for (const n of sizes) {
  const r = await sql.reserve()
  try {
    const before = await stats(r)
    await fetchLoop(r, n)
    const after = await stats(r)
    const mb = (Number(after.temp_bytes) - Number(before.temp_bytes)) / 2 ** 20
    console.log(
      `  FETCH FORWARD ${n}: ${Number(after.temp_files) - Number(before.temp_files)} files, ${mb.toFixed(1)} MB`,
    )
  } finally {
    r.release()
  }
}
await sql.end({ timeout: 5 })
