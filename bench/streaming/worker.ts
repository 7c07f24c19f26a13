/**
 * One W11 system in a fresh process: open the database, then read every post once, touching each (sum of `views`
 * and `body.length`, and an order-sensitive hash of the ids). Prints a WorkerResult as JSON on its last line.
 * Usage: node bench/streaming/worker.ts '<WorkerTask JSON>'
 */
// Each system loads only what it uses (dynamic imports below): the raw systems never load quarry's modules.
import { POST_SQL, type WorkerResult, type WorkerTask } from './shared.ts'

const task = JSON.parse(process.argv[2] ?? '') as WorkerTask

import { RawPost } from '../shared/raw-models.ts'

const MB = 1024 * 1024

interface PostLike {
  id: number
  body: string
  views: number
  published: boolean
  createdAt: Date
}

// RSS samples: a 2 ms timer (runs only when the event loop gets to timers, so never inside a synchronous
// stmt.all() nor inside a chain of microtasks) plus an inline sample every 256 rows. resourceUsage().maxRSS is the
// kernel's high-water mark and catches what both miss; it is the number reported as "peak".
let peakRss = 0
let peakHeap = 0
let samples = 0
const sample = () => {
  const rss = process.memoryUsage.rss()
  if (rss > peakRss) peakRss = rss
  samples++
}
const sampleHeap = () => {
  const m = process.memoryUsage()
  if (m.rss > peakRss) peakRss = m.rss
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed
  samples++
}

let count = 0
let views = 0
let bodyChars = 0
let order = 0
const touch = (p: PostLike) => {
  if (typeof p.published !== 'boolean' || !(p.createdAt instanceof Date)) throw new Error('unexpected field types')
  views += p.views
  bodyChars += p.body.length
  order = (Math.imul(order, 31) + p.id) | 0
  if ((++count & 255) === 0) {
    if ((count & 4095) === 0) sampleHeap()
    else sample()
  }
}

let run: () => Promise<void>
let close: () => Promise<void>

switch (task.system) {
  case 'quarry-iterator':
  case 'quarry-all':
  case 'quarry-iterator-pg': {
    // src/index.ts and examples/demo/schema.ts, or their compiled build (see run.ts --quarry).
    const { connect } = (await import(task.quarry)) as typeof import('../../src/index.ts')
    const { schema } = (await import(task.schema)) as typeof import('../../examples/demo/schema.ts')
    const db = await connect(task.system === 'quarry-iterator-pg' ? task.url! : `sqlite:${task.file}`, schema)
    close = () => db.close()
    run =
      task.system === 'quarry-all'
        ? async () => {
            const posts = await db.Post.orderBy('-createdAt', '-id')
            sampleHeap()
            for (const p of posts) touch(p)
          }
        : async () => {
            for await (const p of db.Post.orderBy('-createdAt', '-id').iterator({ chunkSize: task.chunkSize })) touch(p)
          }
    break
  }
  case 'raw-iterate': {
    // Same connection settings as quarry's SQLite driver, same SQL as quarry compiles.
    const { openRawSqlite } = await import('../shared/raw-sqlite.ts')
    const raw = openRawSqlite(task.file)
    close = async () => raw.close()
    run = async () => {
      const st = raw.prepare(POST_SQL)
      st.setReturnArrays(true)
      for (const r of st.iterate()) touch(new RawPost(r as unknown as unknown[]))
    }
    break
  }
  case 'raw-all': {
    const { openRawSqlite } = await import('../shared/raw-sqlite.ts')
    const raw = openRawSqlite(task.file)
    close = async () => raw.close()
    run = async () => {
      const st = raw.prepare(POST_SQL)
      st.setReturnArrays(true)
      const rows = st.all() as unknown as unknown[][]
      const posts = new Array<RawPost>(rows.length)
      for (let i = 0; i < rows.length; i++) posts[i] = new RawPost(rows[i]!)
      sampleHeap()
      for (const p of posts) touch(p)
    }
    break
  }
  case 'raw-cursor-pg': {
    // postgres.js's own cursor (DECLARE/FETCH inside a transaction), array rows, hand mapping.
    const { default: postgres } = await import('postgres')
    const sql = postgres(task.url!, { max: 1 })
    close = () => sql.end()
    run = async () => {
      await sql.begin(async (tx) => {
        for await (const rows of tx.unsafe(POST_SQL).values().cursor(task.chunkSize))
          for (const r of rows) touch(new RawPost(r as unknown[], null, true))
      })
    }
    break
  }
}

sampleHeap()
const baselineRss = peakRss
const timer = setInterval(sample, 2)
const t0 = performance.now()
await run()
const ms = performance.now() - t0
clearInterval(timer)
sampleHeap()
await close()

const result: WorkerResult = {
  system: task.system,
  ms,
  maxRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
  sampledPeakRssMb: peakRss / MB,
  baselineRssMb: baselineRss / MB,
  peakHeapUsedMb: peakHeap / MB,
  samples,
  rows: count,
  checksum: `${count}:${views}:${bodyChars}:${(order >>> 0).toString(16)}`,
}
process.stdout.write(`${JSON.stringify(result)}\n`)
