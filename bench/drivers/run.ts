// Driver choice for the PostgreSQL backend: quarry on `postgres` (postgres.js, the shipped backend in
// src/backends/postgres/) vs quarry on `pg` (the previous backend, kept in pg-backend.ts), with each raw driver as the
// floor. W4 = 10,000 sequential get-by-pk; W12 = 64 concurrent W5 filtered-page queries.
// Each (system, workload) run is a fresh child process; runs are interleaved; medians reported.
//
//   npx node bench/drivers/run.ts [runs=5]        (QUARRY_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/test)
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import postgres from 'postgres'
import { schema } from '../../examples/demo/schema.ts'
import { PostgresBackend } from '../../src/backends/postgres/postgres-backend.ts'
import { Database } from '../../src/index.ts'
import { PgBackend } from './pg-backend.ts'

const ADMIN_URL = process.env.QUARRY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const AUTHORS = 1000
const POSTS = 20_000
const W4_GETS = 10_000
const W12_CONCURRENCY = 64
const W12_ROUNDS = 20
const POOL = 10

// The seed's blog, as the demo and bench/micro declare it (the tags table is created but not used here).

// The raw systems run the very SQL quarry compiles, so only driver and ORM overhead differ.
const COLUMNS =
  '"blog_post"."id", "blog_post"."title", "blog_post"."body", "blog_post"."views", "blog_post"."published", "blog_post"."created_at", "blog_post"."author_id"'
const GET_SQL = `SELECT ${COLUMNS} FROM "blog_post" WHERE "blog_post"."id" = $1 LIMIT $2`
const W5_SQL = `SELECT ${COLUMNS} FROM "blog_post" WHERE ("blog_post"."published" = $1) AND (UPPER("blog_post"."title") LIKE UPPER($2) ESCAPE '\\') ORDER BY "blog_post"."created_at" DESC LIMIT $3`
const W5_PARAMS = [true, '%django%', 20]

const systems = ['raw-pg', 'raw-postgres.js', 'quarry+pg', 'quarry+postgres.js'] as const
type System = (typeof systems)[number]
const workloads = ['W4', 'W12'] as const
type Workload = (typeof workloads)[number]

/** Deterministic pseudo-random ids (same sequence for every system). */
function ids(n: number): number[] {
  let x = 12345
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31
    return 1 + (x % POSTS)
  })
}

async function child(system: System, workload: Workload, url: string): Promise<number> {
  const keys = ids(W4_GETS)
  if (system.startsWith('quarry')) {
    const backend = system === 'quarry+pg' ? new PgBackend(url, { max: POOL }) : new PostgresBackend(url, { max: POOL })
    const db = new Database(schema, new Map([['default', backend]])) as unknown as {
      Post: {
        get(f: object): Promise<unknown>
        filter(f: object): { orderBy(o: string): { limit(n: number): Promise<unknown[]> } }
      }
      close(): Promise<void>
    }
    const w5 = () =>
      db.Post.filter({ published: true, title: { icontains: 'django' } })
        .orderBy('-createdAt')
        .limit(20)
    const r = await measure(workload, (id) => db.Post.get({ id }), w5, keys)
    await db.close()
    return r
  }
  if (system === 'raw-pg') {
    const pool = new pg.Pool({ connectionString: url, max: POOL })
    const r = await measure(
      workload,
      async (id) => (await pool.query({ name: 'get', text: GET_SQL, values: [id, 21], rowMode: 'array' })).rows[0],
      async () => (await pool.query({ name: 'w5', text: W5_SQL, values: W5_PARAMS, rowMode: 'array' })).rows,
      keys,
    )
    await pool.end()
    return r
  }
  const sql = postgres(url, { max: POOL })
  const r = await measure(
    workload,
    async (id) => (await sql.unsafe(GET_SQL, [id, 21], { prepare: true }).values())[0],
    async () => sql.unsafe(W5_SQL, W5_PARAMS, { prepare: true }).values(),
    keys,
  )
  await sql.end()
  return r
}

/** W4: ms for all gets. W12: queries per second. Both after a warm-up. */
async function measure(
  workload: Workload,
  get: (id: number) => Promise<unknown>,
  w5: () => Promise<unknown>,
  keys: number[],
): Promise<number> {
  if (workload === 'W4') {
    for (let i = 0; i < 500; i++) await get(keys[i]!)
    const t = performance.now()
    for (const id of keys) await get(id)
    return performance.now() - t
  }
  await Promise.all(Array.from({ length: W12_CONCURRENCY }, w5))
  const t = performance.now()
  for (let r = 0; r < W12_ROUNDS; r++) await Promise.all(Array.from({ length: W12_CONCURRENCY }, w5))
  return (W12_CONCURRENCY * W12_ROUNDS) / ((performance.now() - t) / 1000)
}

async function setup(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `quarry_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const u = new URL(ADMIN_URL)
  u.pathname = `/${name}`
  const url = u.toString()
  const backend = new PostgresBackend(url)
  const db = new Database(schema, new Map([['default', backend]]))
  await db.createTables()
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  await c.query(
    `INSERT INTO author (name, email) SELECT 'author ' || i, 'a' || i || '@example.com' FROM generate_series(1, ${AUTHORS}) i`,
  )
  await c.query(`INSERT INTO blog_post (title, body, views, published, created_at, author_id)
    SELECT 'post ' || i || CASE WHEN i % 7 = 0 THEN ' about Django' ELSE '' END, repeat('lorem ipsum ', 85), i % 1000, i % 2 = 0,
           timestamptz '2024-01-01' + i * interval '1 minute', 1 + i % ${AUTHORS}
    FROM generate_series(1, ${POSTS}) i`)
  await c.query('VACUUM ANALYZE')
  await c.end()
  await db.close()
  return {
    url,
    drop: async () => {
      const a = new pg.Client({ connectionString: ADMIN_URL })
      await a.connect()
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await a.end()
    },
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

if (process.argv[2] === '--child') {
  const [, , , system, workload, url] = process.argv
  process.stdout.write(String(await child(system as System, workload as Workload, url!)))
} else {
  const runs = Number(process.argv[2] ?? 5)
  const { url, drop } = await setup()
  const results = new Map<string, number[]>()
  try {
    for (let run = 0; run < runs; run++)
      for (const workload of workloads)
        for (const system of systems) {
          const out = execFileSync(process.execPath, [import.meta.filename, '--child', system, workload, url], {
            encoding: 'utf8',
          })
          const key = `${system} ${workload}`
          results.set(key, [...(results.get(key) ?? []), Number(out)])
        }
  } finally {
    await drop()
  }
  console.log(`PostgreSQL ${AUTHORS} authors / ${POSTS} posts, pool ${POOL}, ${runs} runs, median (min–max)\n`)
  console.log('| system | W4 10,000 get-by-pk, ms | W12 64 concurrent W5, queries/s |')
  console.log('|---|---|---|')
  const fmt = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`
  for (const s of systems) console.log(`| ${s} | ${fmt(results.get(`${s} W4`)!)} | ${fmt(results.get(`${s} W12`)!)} |`)
}
