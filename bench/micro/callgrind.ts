/**
 * Instruction counts for an A/B that this machine's noise cannot move (bench/notes.md, "Third pass"). One process
 * runs one system on SQLite — raw node:sqlite, quarry with its defaults, or quarry with `nPlusOne: 'off'` — for
 * W4 (sequential gets) or W3's naive loop (1,000 posts, then each author lazily). Run it under callgrind twice with
 * different run counts; the difference of the two totals, divided by the difference of the runs, is one run's
 * instructions with start-up and warm-up taken out:
 *
 *   NODE=node_modules/node/bin/node
 *   for k in 10 30; do RUNS=$k valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$k $NODE --expose-gc \
 *     bench/micro/callgrind.ts W4 quarry 2>&1 | grep Collected; done
 *
 * Without valgrind it prints the CPU time per run (noisy here; the instruction counts are not).
 * Environment: RUNS (timed runs, default 10), WARM (warm-up runs, default 10), GETS (W4's gets, default 2,000).
 */
import { schema } from '../../examples/demo/schema.ts'
import { connect } from '../../src/index.ts'
import { ensureSqlite } from '../lib/data.ts'
import { FETCH, getIds } from '../lib/workloads.ts'
import { openRawSqlite } from '../shared/raw-sqlite.ts'
import { RawAuthor, RawPost, SQL } from '../systems/raw-shared.ts'

const [workload = 'W4', system = 'quarry'] = process.argv.slice(2)
if (!['W3', 'W4'].includes(workload) || !['raw', 'quarry', 'quarry-n1-off'].includes(system)) {
  console.error('usage: bench/micro/callgrind.ts <W3|W4> <raw|quarry|quarry-n1-off>')
  process.exit(2)
}
const size = { seed: 42, authors: 1000, posts: 20_000, tags: 200, tagsPerPost: 3 }
const src = await ensureSqlite(new URL('../.data', import.meta.url).pathname, size)
const ids = getIds(size, Number(process.env.GETS ?? 2000))

let run: () => Promise<unknown>
if (system === 'raw') {
  const conn = openRawSqlite(src.location)
  const post = conn.prepare(SQL.post)
  const posts = conn.prepare(SQL.posts)
  const author = conn.prepare(SQL.author)
  for (const st of [post, posts, author]) st.setReturnArrays(true)
  run =
    workload === 'W4'
      ? async () => {
          const out = new Array(ids.length)
          for (let i = 0; i < ids.length; i++)
            out[i] = await Promise.resolve(new RawPost(post.get(ids[i]!) as unknown as unknown[], true))
          return out
        }
      : async () => {
          const out: unknown[] = []
          for (const r of posts.all(FETCH) as unknown as unknown[][]) {
            const a = (await Promise.resolve(author.get(r[6] as number))) as unknown as unknown[]
            out.push([new RawPost(r, true), new RawAuthor(Number(a[0]), a[1] as string, a[2] as string | null)])
          }
          return out
        }
} else {
  const db = await connect(`sqlite:${src.location}`, schema, system === 'quarry-n1-off' ? { nPlusOne: 'off' } : {})
  process.removeAllListeners('warning') // W3's naive loop is reported as an N+1: that is its point
  run =
    workload === 'W4'
      ? async () => {
          const out = new Array(ids.length)
          for (let i = 0; i < ids.length; i++) out[i] = await db.Post.get({ id: ids[i]! })
          return out
        }
      : async () => {
          const out: unknown[] = []
          for (const p of await db.Post.orderBy('-createdAt').limit(FETCH)) out.push([p, await p.author])
          return out
        }
}

for (let i = 0; i < Number(process.env.WARM ?? 10); i++) await run()
const runs = Number(process.env.RUNS ?? 10)
const cpu = process.cpuUsage()
for (let i = 0; i < runs; i++) await run()
const d = process.cpuUsage(cpu)
console.log(`${workload} ${system}: ${((d.user + d.system) / 1000 / runs).toFixed(2)} ms CPU per run (${runs} runs)`)
