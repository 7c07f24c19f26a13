// Which Redis client quarry's redis backend uses, decided by measurement (issue 11): the same operations on
// ioredis and node-redis against one Redis, interleaved, median of 5 rounds.
// Run: node bench/cache/redis-clients.ts   (QUARRY_BENCH_REDIS, default redis://127.0.0.1:6379/15)
import { Redis } from 'ioredis'
import { createClient } from 'redis'

const url = process.env.QUARRY_BENCH_REDIS ?? 'redis://127.0.0.1:6379/15'
const N = 10_000
const value = Buffer.alloc(2048, 7)

interface Ops {
  get(k: string): Promise<unknown>
  set(k: string, v: Buffer): Promise<unknown>
  mget(ks: string[]): Promise<unknown>
}

async function round(ops: Ops): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  let t = performance.now()
  for (let i = 0; i < N; i++) await ops.get(`qb:${i % 100}`)
  out.sequentialGetUs = ((performance.now() - t) * 1000) / N
  t = performance.now()
  await Promise.all(Array.from({ length: N }, (_, i) => ops.get(`qb:${i % 100}`)))
  out.concurrentGetUs = ((performance.now() - t) * 1000) / N
  t = performance.now()
  await Promise.all(Array.from({ length: N }, (_, i) => ops.set(`qb:${i % 100}`, value)))
  out.concurrentSetUs = ((performance.now() - t) * 1000) / N
  const keys = Array.from({ length: 100 }, (_, i) => `qb:${i}`)
  t = performance.now()
  for (let i = 0; i < 500; i++) await ops.mget(keys)
  out.mget100Us = ((performance.now() - t) * 1000) / 500
  return out
}

const io = new Redis(url, { lazyConnect: true })
await io.connect()
const nr = createClient({ url })
await nr.connect()
const ioOps: Ops = { get: (k) => io.getBuffer(k), set: (k, v) => io.set(k, v), mget: (ks) => io.mgetBuffer(...ks) }
const bufs = nr.withTypeMapping({ [5 /* RESP blob string */]: Buffer } as never)
const nrOps: Ops = { get: (k) => bufs.get(k), set: (k, v) => nr.set(k, v), mget: (ks) => bufs.mGet(ks) }
await Promise.all(Array.from({ length: 100 }, (_, i) => io.set(`qb:${i}`, value)))
const results: Record<string, Record<string, number>[]> = { ioredis: [], 'node-redis': [] }
for (let r = 0; r < 5; r++) {
  results.ioredis!.push(await round(ioOps))
  results['node-redis']!.push(await round(nrOps))
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const [name, rs] of Object.entries(results)) {
  const line = Object.keys(rs[0]!).map((k) => `${k}=${median(rs.map((x) => x[k]!)).toFixed(2)}`)
  console.log(`${name.padEnd(11)} ${line.join('  ')}`)
}
await io.quit()
await nr.quit()
