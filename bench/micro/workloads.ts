import { prng } from '../../examples/demo/data.ts'
import { schema } from '../../examples/demo/schema.ts'
import { connect } from '../../src/index.ts'
import { RawAuthor, RawPost } from '../shared/raw-models.ts'
import { openRawSqlite } from '../shared/raw-sqlite.ts'

export type System = 'raw' | 'quarry'
export type WorkloadId = 'W4' | 'W1-plain' | 'W1' | 'W5'

export interface WorkloadSpec {
  readonly id: WorkloadId
  readonly title: string
  /** quarry/raw median ratio to meet (BENCHMARKS.md). */
  readonly target: number
  readonly quarryCode: string
  readonly rawCode: string
  readonly warmup: number
  readonly runs: number
}

export const GETS = 10_000
export const FETCH = 1_000
export const PAGES = 200
/** Words the generated titles are made of (examples/demo/data.ts), searched by W5. */
const PAGE_WORDS = ['query', 'model', 'index', 'django', 'cache', 'sqlite', 'async', 'stream', 'keyset', 'mapper']
const pageWord = (i: number) => PAGE_WORDS[i % PAGE_WORDS.length]!

export const WORKLOADS: readonly WorkloadSpec[] = [
  {
    id: 'W4',
    title: `get by primary key ×${GETS.toLocaleString('en')}, sequential`,
    target: 1.1,
    quarryCode: 'for (id of ids) out[i] = await db.Post.get({ id })',
    rawCode:
      'for (id of ids) out[i] = await getPost(id); async getPost = cached prepared stmt.get(id), setReturnArrays(true), mapped to a class',
    warmup: 5,
    runs: 10,
  },
  {
    id: 'W1-plain',
    title: `${FETCH.toLocaleString('en')} posts ordered by createdAt`,
    target: 1.3,
    quarryCode: `await db.Post.orderBy('-createdAt').limit(${FETCH})`,
    rawCode: 'await (async () => stmt.all(1000) mapped to Post classes)()',
    warmup: 30,
    runs: 40,
  },
  {
    id: 'W1',
    title: `${FETCH.toLocaleString('en')} posts + author (JOIN)`,
    target: 1.3,
    quarryCode: `await db.Post.selectRelated('author').orderBy('-createdAt').limit(${FETCH})`,
    rawCode: 'await (async () => JOIN stmt.all(1000) mapped to Post + Author classes)()',
    warmup: 30,
    runs: 40,
  },
  {
    id: 'W5',
    title: `filtered page ×${PAGES}: published, title icontains, newest 20`,
    target: 1.3,
    quarryCode:
      "for (w of words) await db.Post.filter({ published: true, title: { icontains: w } }).orderBy('-createdAt').limit(20)",
    rawCode:
      "for (w of words) stmt.all('%' + w + '%') (published = 1 AND title LIKE ? ORDER BY created_at DESC LIMIT 20) mapped",
    warmup: 5,
    runs: 20,
  },
]

export interface WorkerTask {
  readonly system: System
  readonly workload: WorkloadId
  readonly file: string
  readonly posts: number
  readonly seed: number
  readonly warmup: number
  readonly runs: number
}

export interface WorkerResult {
  readonly system: System
  readonly workload: WorkloadId
  /** Milliseconds per timed run. */
  readonly samples: number[]
  /** Hash of the last run's result: quarry and raw must agree. */
  readonly checksum: string
  readonly rows: number
}

/** The shape both systems produce; the checksum reads only these. */
interface PostLike {
  id: number
  title: string
  body: string
  views: number
  published: boolean
  createdAt: Date
  authorId: number
  author?: unknown
}

/** The hand-written side: plain classes with a fixed shape, filled by hand from array rows. */

const POST_COLS = 'p.id, p.title, p.body, p.views, p.published, p.created_at, p.author_id'

/** The ids W4 reads: spread over the table, the same for every system. */
export function getIds(posts: number, seed: number): number[] {
  const rand = prng(seed ^ 0x9e3779b9)
  return Array.from({ length: GETS }, () => 1 + Math.floor(rand() * posts))
}

export interface Prepared {
  /** One timed run. W4 keeps only the last row (a request handler does not hold 10,000 rows either). */
  run(): PromiseLike<unknown>
  /** The full result of one run, untimed, for the checksum (defaults to `run`). */
  collect?(): Promise<unknown>
  close(): Promise<void>
}

export async function prepare(task: WorkerTask): Promise<Prepared> {
  const ids = getIds(task.posts, task.seed)
  if (task.system === 'quarry') {
    const db = await connect(`sqlite:${task.file}`, schema)
    const close = () => db.close()
    switch (task.workload) {
      case 'W4':
        return {
          async run() {
            let last: unknown
            for (let i = 0; i < ids.length; i++) last = await db.Post.get({ id: ids[i]! })
            return last
          },
          async collect() {
            const out = new Array(ids.length)
            for (let i = 0; i < ids.length; i++) out[i] = await db.Post.get({ id: ids[i]! })
            return out
          },
          close,
        }
      case 'W1-plain':
        return { run: () => db.Post.orderBy('-createdAt').limit(FETCH), close }
      case 'W1':
        return { run: () => db.Post.selectRelated('author').orderBy('-createdAt').limit(FETCH), close }
      case 'W5':
        return {
          async run() {
            let last: unknown
            for (let i = 0; i < PAGES; i++)
              last = await db.Post.filter({ published: true, title: { icontains: pageWord(i) } })
                .orderBy('-createdAt')
                .limit(20)
            return last
          },
          close,
        }
    }
  }
  // Same connection settings as quarry's SQLite driver.
  const raw = openRawSqlite(task.file)
  const close = async () => raw.close()
  switch (task.workload) {
    case 'W4': {
      const st = raw.prepare(`SELECT ${POST_COLS} FROM blog_post p WHERE p.id = ?`)
      st.setReturnArrays(true)
      const getPost = async (id: number): Promise<RawPost> => {
        const r = st.get(id) as unknown as unknown[] | undefined
        if (r === undefined) throw new Error(`Post ${id} not found`)
        return new RawPost(r, null)
      }
      return {
        async run() {
          let last: unknown
          for (let i = 0; i < ids.length; i++) last = await getPost(ids[i]!)
          return last
        },
        async collect() {
          const out = new Array(ids.length)
          for (let i = 0; i < ids.length; i++) out[i] = await getPost(ids[i]!)
          return out
        },
        close,
      }
    }
    case 'W1-plain': {
      const st = raw.prepare(`SELECT ${POST_COLS} FROM blog_post p ORDER BY p.created_at DESC LIMIT ?`)
      st.setReturnArrays(true)
      const fetch = async (n: number): Promise<RawPost[]> => {
        const rows = st.all(n) as unknown as unknown[][]
        const out = new Array<RawPost>(rows.length)
        for (let i = 0; i < rows.length; i++) out[i] = new RawPost(rows[i]!, null)
        return out
      }
      return { run: () => fetch(FETCH), close }
    }
    case 'W1': {
      const st = raw.prepare(
        `SELECT ${POST_COLS}, a.id, a.name, a.email FROM blog_post p INNER JOIN author a ON a.id = p.author_id ORDER BY p.created_at DESC LIMIT ?`,
      )
      st.setReturnArrays(true)
      const fetch = async (n: number): Promise<RawPost[]> => {
        const rows = st.all(n) as unknown as unknown[][]
        const out = new Array<RawPost>(rows.length)
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!
          out[i] = new RawPost(r, new RawAuthor(r[7] as number, r[8] as string, r[9] as string | null))
        }
        return out
      }
      return { run: () => fetch(FETCH), close }
    }
    case 'W5': {
      const st = raw.prepare(
        `SELECT ${POST_COLS} FROM blog_post p WHERE p.published = 1 AND p.title LIKE ? ESCAPE '\\' ORDER BY p.created_at DESC LIMIT 20`,
      )
      st.setReturnArrays(true)
      const page = async (word: string): Promise<RawPost[]> => {
        const rows = st.all(`%${word}%`) as unknown as unknown[][]
        const out = new Array<RawPost>(rows.length)
        for (let i = 0; i < rows.length; i++) out[i] = new RawPost(rows[i]!, null)
        return out
      }
      return {
        async run() {
          let last: unknown
          for (let i = 0; i < PAGES; i++) last = await page(pageWord(i))
          return last
        },
        close,
      }
    }
  }
}

/** FNV-1a over a canonical text of every field, with type checks, so differing results cannot pass. */
export function checksum(result: unknown, withAuthor: boolean): { hash: string; rows: number } {
  const rows = result as PostLike[]
  let h = 0x811c9dc5
  for (const p of rows) {
    if (typeof p.published !== 'boolean' || !(p.createdAt instanceof Date)) throw new Error('unexpected field types')
    let s = `${p.id}\t${p.title}\t${p.body}\t${p.views}\t${p.published}\t${p.createdAt.toISOString()}\t${p.authorId}`
    if (withAuthor) {
      const a = p.author as { id: number; name: string; email: string | null }
      s += `\t${a.id}\t${a.name}\t${a.email}`
    }
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  }
  return { hash: (h >>> 0).toString(16).padStart(8, '0'), rows: rows.length }
}
