/**
 * W6 (bulk insert), W7 (bulk update) and W8 (deep pagination): quarry against the raw driver written the fast
 * way, on SQLite (node:sqlite, a WAL file) and PostgreSQL (postgres.js). One `Prepared` per (system, workload,
 * backend) runs in a fresh worker process (worker.ts).
 */
import postgres from 'postgres'
import { blogData } from '../../examples/demo/data.ts'
import { schema } from '../../examples/demo/schema.ts'
import { Count, connect, sql } from '../../src/index.ts'
import { bulkCreate } from '../../src/query/bulk.ts'
import { openRawSqlite } from '../shared/raw-sqlite.ts'

export type Backend = 'sqlite' | 'postgres'

export interface Task {
  readonly system: string
  readonly workload: string
  readonly backend: Backend
  /** W6: an empty blog (authors only); W7/W8: the full blog. */
  readonly url: string
  readonly posts: number
  readonly seed: number
  readonly warmup: number
  readonly runs: number
  /** W8: the page's depth (rows skipped). */
  readonly depth?: number
}

export interface Prepared {
  /** Rows the workload touches per run (W6/W7 throughput). */
  readonly rows: number
  run(): Promise<unknown>
  /** Between runs, untimed (W6 empties the table again). */
  reset?(): Promise<void>
  /** What the last run produced, for the cross-system check. */
  check(): Promise<string>
  close(): Promise<void>
}

/** The W6 rows as users hold them: plain objects with JS values. */
export interface NewPost {
  title: string
  body: string
  views: number
  published: boolean
  createdAt: Date
  authorId: number
}

export function newPosts(seed: number, n: number): NewPost[] {
  const out: NewPost[] = []
  for (const { row } of blogData(seed + 1, { authors: 1000, posts: n, tags: 1, tagsPerPost: 0 }).posts())
    out.push({
      title: row[1],
      body: row[2],
      views: row[3],
      published: row[4] === 1,
      createdAt: new Date(row[5]),
      authorId: row[6],
    })
  return out
}

export const W6_ROWS = 100_000
/** The create() loop is run on 2,000 rows (BENCHMARKS.md) and compared per row. */
export const W6_LOOP_ROWS = 2_000
export const W7_ROWS = 10_000
/** Autocommit loops of W7 (a save() per row, each its own transaction) run on 2,000 rows and are compared per row. */
export const W7_LOOP_ROWS = 2_000
export const W8_PAGE = 25
/** Page fetches per W8 run. */
export const W8_FETCHES = 5

const POST_COLUMNS = ['title', 'body', 'views', 'published', 'created_at', 'author_id']

/** The systems of each workload; the first is the raw baseline the ratios divide by. */
export const SYSTEMS: Record<string, Record<Backend, string[]>> = {
  W6: {
    sqlite: ['raw-values', 'quarry-bulkCreate', 'quarry-create-loop', 'raw-insert-loop'],
    postgres: [
      'raw-values',
      'raw-unnest',
      'quarry-bulkCreate',
      'quarry-unnest',
      'quarry-create-loop',
      'raw-insert-loop',
    ],
  },
  W7: {
    sqlite: [
      'raw-update-from-values',
      'quarry-bulkUpdate',
      'quarry-save-loop',
      'quarry-save-loop-atomic',
      'raw-update-loop',
      'raw-update-loop-tx',
      'raw-case-when',
    ],
    // PostgreSQL's fast form is one array per column (UPDATE … FROM UNNEST), which quarry sends; VALUES is shown too.
    postgres: [
      'raw-update-unnest',
      'raw-update-from-values',
      'quarry-bulkUpdate',
      'quarry-save-loop',
      'quarry-save-loop-atomic',
      'raw-update-loop',
      'raw-update-loop-tx',
      'raw-case-when',
    ],
  },
  W8: {
    sqlite: ['raw-keyset', 'quarry-keyset', 'raw-offset', 'quarry-offset'],
    postgres: ['raw-keyset', 'quarry-keyset', 'raw-offset', 'quarry-offset'],
  },
}

export async function prepare(task: Task): Promise<Prepared> {
  const [family, ...rest] = task.system.split('-')
  const variant = rest.join('-')
  if (task.workload === 'W6') return family === 'quarry' ? quarryW6(task, variant) : rawW6(task, variant)
  if (task.workload === 'W7') return family === 'quarry' ? quarryW7(task, variant) : rawW7(task, variant)
  return family === 'quarry' ? quarryW8(task, variant) : rawW8(task, variant)
}

// ---- raw drivers -------------------------------------------------------------------------------------------

interface Raw {
  all(sql: string, params: unknown[]): Promise<unknown[][]>
  run(sql: string, params: unknown[]): Promise<void>
  exec(sql: string): Promise<void>
  close(): Promise<void>
  readonly maxParams: number
  ph(n: number): string
}

function rawConnection(task: Task): Raw {
  if (task.backend === 'sqlite') {
    const db = openRawSqlite(task.url.replace(/^sqlite:/, ''))
    const cache = new Map<string, ReturnType<typeof db.prepare>>()
    const stmt = (sql: string) => {
      let s = cache.get(sql)
      if (!s) {
        s = db.prepare(sql)
        s.setReturnArrays(true)
        cache.set(sql, s)
      }
      return s
    }
    return {
      all: async (sql, params) => stmt(sql).all(...(params as never[])) as unknown as unknown[][],
      run: async (sql, params) => {
        stmt(sql).run(...(params as never[]))
      },
      exec: async (sql) => db.exec(sql),
      close: async () => db.close(),
      maxParams: 32766,
      ph: () => '?',
    }
  }
  const sql = postgres(task.url, { max: 1, onnotice: () => {} })
  return {
    all: async (text, params) => (await sql.unsafe(text, params as never[], { prepare: true }).values()) as unknown[][],
    run: async (text, params) => {
      await sql.unsafe(text, params as never[], { prepare: true })
    },
    exec: async (text) => {
      await sql.unsafe(text)
    },
    close: () => sql.end({ timeout: 5 }),
    maxParams: 65533,
    ph: (n) => `$${n}`,
  }
}

/** The text quarry stores a datetime as on SQLite ('YYYY-MM-DD HH:MM:SS[.mmm]', UTC), so both sides write equal rows. */
function sqliteDateTime(d: Date): string {
  const iso = d.toISOString()
  return `${iso.slice(0, 10)} ${iso.endsWith('.000Z') ? iso.slice(11, 19) : iso.slice(11, 23)}`
}

/** A PostgreSQL array literal, as a hand-written UNNEST insert sends it. */
function pgArray(xs: readonly unknown[]): string {
  let s = '{'
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]
    if (i) s += ','
    const t = x instanceof Date ? x.toISOString() : typeof x === 'boolean' ? (x ? 't' : 'f') : String(x)
    s += `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  }
  return `${s}}`
}

/** `(?, ?), (?, ?)` for n rows of w columns, numbered from 1 where the dialect numbers placeholders. */
function valuesList(raw: Raw, n: number, w: number, cast?: readonly string[]): string {
  const rows: string[] = []
  for (let r = 0, i = 1; r < n; r++) {
    const cells: string[] = []
    for (let c = 0; c < w; c++, i++) cells.push(cast ? `${raw.ph(i)}::${cast[c]}` : raw.ph(i))
    rows.push(`(${cells.join(', ')})`)
  }
  return rows.join(', ')
}

async function tableCheck(raw: Raw): Promise<string> {
  const r = await raw.all('SELECT COUNT(*), SUM(views), MAX(title) FROM blog_post', [])
  return r[0]!.map(String).join('|')
}

async function rawW6(task: Task, variant: string): Promise<Prepared> {
  const raw = rawConnection(task)
  const loop = variant === 'insert-loop'
  const rows = newPosts(task.seed, loop ? W6_LOOP_ROWS : W6_ROWS)
  const sqlite = task.backend === 'sqlite'
  const w = POST_COLUMNS.length
  const cols = POST_COLUMNS.join(', ')
  const one = `INSERT INTO blog_post (${cols}) VALUES (${valuesList(raw, 1, w).slice(1, -1)})`
  return {
    rows: rows.length,
    async run() {
      if (loop) {
        // The driver's own floor for a loop of single-row inserts: one prepared statement, autocommit each.
        for (const p of rows)
          await raw.run(one, [
            p.title,
            p.body,
            p.views,
            sqlite ? (p.published ? 1 : 0) : p.published,
            sqlite ? sqliteDateTime(p.createdAt) : p.createdAt,
            p.authorId,
          ])
        return
      }
      await raw.exec('BEGIN')
      if (variant === 'unnest') {
        // One statement, one array per column, in batches of 5,000 rows (quarry's batch).
        for (let s = 0; s < rows.length; s += 5000) {
          const part = rows.slice(s, s + 5000)
          await raw.run(
            `INSERT INTO blog_post (${cols}) SELECT * FROM UNNEST($1::varchar(200)[], $2::text[], $3::integer[], $4::boolean[], $5::timestamptz[], $6::bigint[])`,
            [
              pgArray(part.map((p) => p.title)),
              pgArray(part.map((p) => p.body)),
              pgArray(part.map((p) => p.views)),
              pgArray(part.map((p) => p.published)),
              pgArray(part.map((p) => p.createdAt)),
              pgArray(part.map((p) => p.authorId)),
            ],
          )
        }
      } else {
        const per = Math.floor(raw.maxParams / w)
        for (let s = 0; s < rows.length; s += per) {
          const part = rows.slice(s, s + per)
          const params: unknown[] = []
          for (const p of part)
            params.push(
              p.title,
              p.body,
              p.views,
              sqlite ? (p.published ? 1 : 0) : p.published,
              sqlite ? sqliteDateTime(p.createdAt) : p.createdAt,
              p.authorId,
            )
          await raw.run(`INSERT INTO blog_post (${cols}) VALUES ${valuesList(raw, part.length, w)}`, params)
        }
      }
      await raw.exec('COMMIT')
    },
    reset: () => raw.exec(sqlite ? 'DELETE FROM blog_post' : 'TRUNCATE blog_post RESTART IDENTITY CASCADE'),
    check: () => tableCheck(raw),
    close: () => raw.close(),
  }
}

/**
 * quarry's connection, with the pragmas the raw side sets: an existing SQLite file is opened in its own journal mode
 * and SQLite's default synchronous = FULL unless `wal: true` (which also sets synchronous = NORMAL, as raw does).
 */
const quarryConnect = (task: Task) => connect(task.url, schema, { sqlite: { wal: true } })

async function quarryW6(task: Task, variant: string): Promise<Prepared> {
  const db = await quarryConnect(task)
  const loop = variant === 'create-loop'
  const rows = newPosts(task.seed, loop ? W6_LOOP_ROWS : W6_ROWS)
  // bulkCreate's default (multi-row VALUES), or its UNNEST strategy (one array per column) to re-measure the choice.
  const strategy = variant === 'unnest' ? 'arrays' : 'auto'
  const state = db.Post.state
  return {
    rows: rows.length,
    async run() {
      if (loop) for (const r of rows) await db.Post.create(r)
      else await bulkCreate(db, state, rows, {}, strategy)
    },
    reset: async () => {
      await db.execute(
        task.backend === 'sqlite' ? sql`DELETE FROM blog_post` : sql`TRUNCATE blog_post RESTART IDENTITY CASCADE`,
      )
    },
    check: async () => {
      if (loop) return `loop:${String((await db.Post.aggregate({ n: Count('id') })).n)}`
      const r = (await db.query(sql`SELECT COUNT(*), SUM(views), MAX(title) FROM blog_post`)) as Record<
        string,
        unknown
      >[]
      return Object.values(r[0]!).map(String).join('|')
    },
    close: () => db.close(),
  }
}

// ---- W7 ----------------------------------------------------------------------------------------------------

let w7round = 0
const newTitle = (id: number) => `updated ${w7round} post ${id}`

async function rawW7(task: Task, variant: string): Promise<Prepared> {
  const raw = rawConnection(task)
  const n = variant === 'update-loop' ? W7_LOOP_ROWS : W7_ROWS
  const ids = (await raw.all(`SELECT id FROM blog_post ORDER BY id LIMIT ${n}`, [])).map((r) => Number(r[0]))
  const sqlite = task.backend === 'sqlite'
  const one = `UPDATE blog_post SET title = ${raw.ph(1)} WHERE id = ${raw.ph(2)}`
  return {
    rows: ids.length,
    async run() {
      w7round++
      if (variant === 'update-loop' || variant === 'update-loop-tx') {
        // A loop of single-row UPDATEs, one prepared statement: autocommit each, or in one transaction.
        const tx = variant === 'update-loop-tx'
        if (tx) await raw.exec('BEGIN')
        for (const id of ids) await raw.run(one, [newTitle(id), id])
        if (tx) await raw.exec('COMMIT')
        return
      }
      await raw.exec('BEGIN')
      const per = Math.floor(raw.maxParams / 3)
      for (let s = 0; s < ids.length; s += per) {
        const part = ids.slice(s, s + per)
        if (variant === 'case-when') {
          // Django's bulk_update: SET title = CASE WHEN id = ? THEN ? … END WHERE id IN (…).
          const params: unknown[] = []
          let i = 1
          const whens = part.map((id) => {
            params.push(id, newTitle(id))
            const s2 = `WHEN id = ${raw.ph(i)} THEN ${raw.ph(i + 1)}${sqlite ? '' : '::varchar(200)'}`
            i += 2
            return s2
          })
          const ins = part.map((id) => {
            params.push(id)
            return raw.ph(i++)
          })
          await raw.run(
            `UPDATE blog_post SET title = CASE ${whens.join(' ')} END WHERE id IN (${ins.join(', ')})`,
            params,
          )
        } else if (variant === 'update-unnest') {
          await raw.run(
            'UPDATE blog_post SET title = v.title FROM UNNEST($1::bigint[], $2::varchar(200)[]) AS v(id, title) WHERE blog_post.id = v.id',
            [pgArray(part), pgArray(part.map(newTitle))],
          )
        } else {
          const params: unknown[] = []
          for (const id of part) params.push(id, newTitle(id))
          const v = valuesList(raw, part.length, 2, sqlite ? undefined : ['bigint', 'varchar(200)'])
          await raw.run(
            `UPDATE blog_post SET title = v.column2 FROM (VALUES ${v}) AS v WHERE blog_post.id = v.column1`,
            params,
          )
        }
      }
      await raw.exec('COMMIT')
    },
    check: async () => {
      const r = await raw.all(`SELECT title FROM blog_post WHERE id IN (${ids[0]}, ${ids[ids.length - 1]})`, [])
      return r.map((x) => String(x[0]).replace(/updated \d+ /, 'updated ')).join('|')
    },
    close: () => raw.close(),
  }
}

async function quarryW7(task: Task, variant: string): Promise<Prepared> {
  const db = await quarryConnect(task)
  const posts = await db.Post.orderBy('id').limit(variant === 'save-loop' ? W7_LOOP_ROWS : W7_ROWS)
  return {
    rows: posts.length,
    async run() {
      w7round++
      for (const p of posts) p.title = newTitle(p.id)
      if (variant === 'bulkUpdate') await db.Post.bulkUpdate(posts, ['title'])
      else if (variant === 'save-loop-atomic')
        // The loop's best case: one transaction around it.
        await db.atomic(async () => {
          for (const p of posts) await p.save({ updateFields: ['title'] })
        })
      // As users write it: each save() its own transaction (as W6's create() loop).
      else for (const p of posts) await p.save({ updateFields: ['title'] })
    },
    check: async () => {
      const r = await db.Post.filter({ id: { in: [posts[0]!.id, posts[posts.length - 1]!.id] } })
        .orderBy('id')
        .valuesList('title', { flat: true })
      return r.map((x) => x.replace(/updated \d+ /, 'updated ')).join('|')
    },
    close: () => db.close(),
  }
}

// ---- W8 ----------------------------------------------------------------------------------------------------

async function rawW8(task: Task, variant: string): Promise<Prepared> {
  const raw = rawConnection(task)
  const depth = task.depth ?? 90_000
  const order = 'ORDER BY created_at DESC, id DESC'
  const cols = 'id, title, body, views, published, created_at, author_id'
  let last: unknown[][] = []
  const anchor =
    depth > 0
      ? (await raw.all(`SELECT created_at, id FROM blog_post ${order} LIMIT 1 OFFSET ${depth - 1}`, []))[0]!
      : null
  const map = (r: unknown[]) => ({
    id: Number(r[0]),
    title: r[1],
    body: r[2],
    views: r[3],
    published: r[4] === 1 || r[4] === true,
    createdAt: r[5] instanceof Date ? r[5] : new Date(r[5] as string),
    authorId: Number(r[6]),
  })
  return {
    rows: W8_PAGE,
    async run() {
      for (let i = 0; i < W8_FETCHES; i++) {
        if (variant === 'offset')
          last = await raw.all(`SELECT ${cols} FROM blog_post ${order} LIMIT ${raw.ph(1)} OFFSET ${raw.ph(2)}`, [
            W8_PAGE,
            depth,
          ])
        else if (anchor)
          last = await raw.all(
            `SELECT ${cols} FROM blog_post WHERE (created_at, id) < (${raw.ph(1)}, ${raw.ph(2)}) ${order} LIMIT ${raw.ph(3)}`,
            [anchor[0], anchor[1], W8_PAGE],
          )
        else last = await raw.all(`SELECT ${cols} FROM blog_post ${order} LIMIT ${raw.ph(1)}`, [W8_PAGE])
        last.map(map)
      }
    },
    check: async () => last.map((r) => Number(r[0])).join(','),
    close: () => raw.close(),
  }
}

async function quarryW8(task: Task, variant: string): Promise<Prepared> {
  const db = await quarryConnect(task)
  const depth = task.depth ?? 90_000
  const qs = db.Post.orderBy('-createdAt', '-id')
  // The cursor a client would hold after walking to this depth: the end of a page ending at row `depth`.
  const after = depth > 0 ? (await qs.only('createdAt').paginate({ first: depth })).endCursor : null
  let last: { id: number }[] = []
  return {
    rows: W8_PAGE,
    async run() {
      for (let i = 0; i < W8_FETCHES; i++)
        last =
          variant === 'offset'
            ? await qs.slice(depth, depth + W8_PAGE)
            : (await qs.paginate({ first: W8_PAGE, after })).items
    },
    check: async () => last.map((p) => p.id).join(','),
    close: () => db.close(),
  }
}
