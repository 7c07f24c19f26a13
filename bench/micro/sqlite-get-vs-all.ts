/**
 * node:sqlite's `get()` against `all()` with `LIMIT 21` for quarry's W4 statement (a post by primary key), in
 * instructions per call: run under callgrind, the counters are zeroed after the warm-up and dumped after the timed
 * calls (bench/notes.md, fourth pass).
 *
 *   NODE=node_modules/node/bin/node
 *   for v in all21 get; do valgrind --tool=callgrind --callgrind-out-file=/tmp/ga.$v $NODE \
 *     bench/micro/sqlite-get-vs-all.ts $v >/dev/null 2>&1; grep -m1 '^summary' /tmp/ga.$v.1; done
 *
 * Each summary ÷ 20,000 is one call. Without valgrind (CG=0) it prints CPU time per call instead.
 */
import { execSync } from 'node:child_process'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { ensureSqlite } from '../lib/data.ts'
import { getIds } from '../lib/workloads.ts'

const variant = process.argv[2] ?? 'all21'
const size = { seed: 42, authors: 1000, posts: 20_000, tags: 200, tagsPerPost: 3 }
const src = await ensureSqlite(path.join(import.meta.dirname, '../.data'), size, 'iso')
const db = new DatabaseSync(src.location)
const cols = ['id', 'title', 'body', 'views', 'published', 'created_at', 'author_id']
  .map((c) => `"blog_post"."${c}"`)
  .join(', ')
const st = db.prepare(
  `SELECT ${cols} FROM "blog_post" WHERE "blog_post"."id" = ?${variant === 'all21' ? ' LIMIT 21' : ''}`,
)
st.setReturnArrays(true)
const call = variant === 'all21' ? (id: number) => st.all(id) : (id: number) => st.get(id)
const ids = getIds(size, 2000)
const cg = process.env.CG !== '0'
for (let k = 0; k < 20; k++) for (const id of ids) call(id)
if (cg) execSync(`callgrind_control -z ${process.pid}`)
const c0 = process.cpuUsage()
for (let k = 0; k < 10; k++) for (const id of ids) call(id)
const c = process.cpuUsage(c0)
if (cg) execSync(`callgrind_control -d ${process.pid}`)
else console.log(`${variant}: ${((c.user + c.system) / 20_000).toFixed(2)} µs CPU per call`)
db.close()
