/**
 * quarry's own CPU per `get()` on PostgreSQL with the wire stubbed (bench/notes.md, fourth pass): the pool's
 * connection is a real `PostgresConnection` whose postgres.js query is replaced by a resolved promise of the row a
 * real query returned; everything above it (QuerySet, runner, executor, mapping) is quarry's. Beside it, raw's loop
 * over the same stub (an await and a hand mapping). In-process, interleaved, CPU time, median of 9 rounds.
 *
 *   npx node bench/micro/pg-stub.ts
 */
import postgres from 'postgres'
import { schema } from '../../examples/demo/schema.ts'
import { Activity, PostgresConnection } from '../../src/backends/postgres/postgres-driver.ts'
import { connect } from '../../src/index.ts'
import { ensurePostgres } from '../lib/data.ts'
import { getIds } from '../lib/workloads.ts'
import { pg, RawPost, SQL } from '../systems/raw-shared.ts'

const size = { seed: 42, authors: 1000, posts: 20_000, tags: 200, tagsPerPost: 3 }
const src = await ensurePostgres(size)
const ids = getIds(size, 2000)
const ONE = pg(SQL.post)
const real = postgres(src.location, { max: 1, onnotice: () => {} })
const rawRow = (await real.unsafe(ONE, [ids[0]!], { prepare: true }).values())[0] as unknown[]
await real.end()

type Rows = (...a: unknown[]) => Promise<unknown[][]>
const db = await connect(src.location, schema)
const backend = db.executor.backend('default') as unknown as { idleConnection(): { rows: Rows } }
// The row as quarry's own statement and parsers return it, from one real get.
const pooled = backend.idleConnection()
let quarryRow: unknown[] = []
const idle = backend.idleConnection
backend.idleConnection = () => ({
  rows: async (...a) => {
    const r = await pooled.rows(...a)
    quarryRow = r[0]!
    return r
  },
})
await db.Post.get({ id: ids[0]! })
const stub = (row: unknown[]) => ({ unsafe: () => ({ values: () => Promise.resolve([row.slice()]) }) })
const conn = new PostgresConnection(stub(quarryRow) as never, new Activity())
backend.idleConnection = () => conn as unknown as { rows: Rows }
const rawStub = stub(rawRow)

const systems: Record<string, () => Promise<unknown>> = {
  raw: async () => {
    for (const _ of ids) new RawPost((await rawStub.unsafe().values())[0]!, false)
  },
  quarry: async () => {
    for (const id of ids) await db.Post.get({ id })
  },
}
const ns: Record<string, number[]> = {}
for (let round = 0; round < 9; round++)
  for (const [name, run] of Object.entries(systems)) {
    for (let i = 0; i < 20; i++) await run()
    const c0 = process.cpuUsage()
    for (let i = 0; i < 50; i++) await run()
    const c = process.cpuUsage(c0)
    ;(ns[name] ??= []).push(((c.user + c.system) / 50 / ids.length) * 1000)
  }
for (const [name, xs] of Object.entries(ns)) {
  xs.sort((a, b) => a - b)
  console.log(
    `${name}: ${(xs[4]! / 1000).toFixed(2)} µs CPU per get (rounds ${xs.map((x) => x.toFixed(0)).join(' ')} ns)`,
  )
}
backend.idleConnection = idle
await db.close()
