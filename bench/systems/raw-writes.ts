// W6–W9 for the four raw drivers, written once over a minimal driver interface: the SQL bench/bulk's raw side
// runs (multi-row VALUES inserts in a transaction, `UPDATE … FROM (VALUES …)`, OFFSET and row-value keyset
// pages), prepared and cached per statement text, array rows, hand mapping.
import type { Context, Opened } from '../lib/system.ts'
import { na } from '../lib/system.ts'
import { type NewPost, W8_DEPTH, W8_FETCHES, W8_PAGE, w6Rows, w7Title } from '../lib/workloads.ts'
import { mapPosts, type RawPost } from './raw-shared.ts'

export interface RawDriver {
  readonly sqlite: boolean
  /** Bound parameters one statement may carry. */
  readonly maxParams: number
  /** A prepared (cached by text) statement's rows as arrays; `?` placeholders, renumbered where needed. */
  all(sql: string, params: unknown[]): Promise<unknown[][]>
  run(sql: string, params: unknown[]): Promise<void>
  /** `fn` in one transaction on one connection. */
  transaction(fn: (d: RawDriver) => Promise<void>): Promise<void>
}

const INSERT_COLS = 'title, body, views, published, created_at, author_id'
const POST_SELECT = 'SELECT id, title, body, views, published, created_at, author_id FROM blog_post'
const ORDER = 'ORDER BY created_at DESC, id DESC'

function values(rows: number, width: number): string {
  const one = `(${Array(width).fill('?').join(', ')})`
  return Array(rows).fill(one).join(', ')
}

function insertParams(d: RawDriver, part: readonly NewPost[]): unknown[] {
  const params: unknown[] = []
  for (const p of part)
    params.push(
      p.title,
      p.body,
      p.views,
      d.sqlite ? (p.published ? 1 : 0) : p.published,
      d.sqlite ? p.createdAt.toISOString() : p.createdAt,
      p.authorId,
    )
  return params
}

export function rawWrites(d: RawDriver, ctx: Context): Opened['workloads'] {
  let bulk: NewPost[] | undefined
  let loop: NewPost[] | undefined
  let w7run = 0
  let anchor: unknown[] | undefined
  const page = (rows: unknown[][]): RawPost[] => mapPosts(rows, d.sqlite)
  return {
    W6: async () => {
      bulk ??= await w6Rows(ctx, false)
      const rows = bulk
      const per = Math.floor(d.maxParams / 6)
      await d.transaction(async (tx) => {
        for (let s = 0; s < rows.length; s += per) {
          const part = rows.slice(s, s + per)
          await tx.run(`INSERT INTO blog_post (${INSERT_COLS}) VALUES ${values(part.length, 6)}`, insertParams(d, part))
        }
      })
      return rows.length
    },
    'W6-loop': async () => {
      loop ??= await w6Rows(ctx, true)
      // One statement per row, each its own transaction (what create() in a loop does).
      for (const p of loop)
        await d.run(`INSERT INTO blog_post (${INSERT_COLS}) VALUES ${values(1, 6)}`, insertParams(d, [p]))
      return loop.length
    },
    W7: async () => {
      w7run++
      const params: unknown[] = []
      for (let id = 1; id <= ctx.rows.update; id++) params.push(id, w7Title(w7run, id))
      const per = Math.floor(d.maxParams / 3)
      await d.transaction(async (tx) => {
        for (let s = 0; s < ctx.rows.update; s += per) {
          const n = Math.min(per, ctx.rows.update - s)
          // PostgreSQL types a VALUES list from its first row: cast it (bench/bulk's raw side does the same).
          const v = d.sqlite ? values(n, 2) : `(?::bigint, ?::varchar(200))${n > 1 ? `, ${values(n - 1, 2)}` : ''}`
          await tx.run(
            `UPDATE blog_post SET title = v.column2 FROM (VALUES ${v}) AS v WHERE blog_post.id = v.column1`,
            params.slice(2 * s, 2 * (s + n)),
          )
        }
      })
      return ctx.rows.update
    },
    'W8-offset': async () => {
      let last: RawPost[] = []
      for (let i = 0; i < W8_FETCHES; i++)
        last = page(await d.all(`${POST_SELECT} ${ORDER} LIMIT ? OFFSET ?`, [W8_PAGE, W8_DEPTH]))
      return last
    },
    'W8-keyset': async () => {
      // The cursor a client holds after walking to this depth: the (created_at, id) of row W8_DEPTH.
      anchor ??= (await d.all(`SELECT created_at, id FROM blog_post ${ORDER} LIMIT 1 OFFSET ?`, [W8_DEPTH - 1]))[0]!
      let last: RawPost[] = []
      for (let i = 0; i < W8_FETCHES; i++)
        last = page(
          await d.all(`${POST_SELECT} WHERE (created_at, id) < (?, ?) ${ORDER} LIMIT ?`, [
            anchor[0],
            anchor[1],
            W8_PAGE,
          ]),
        )
      return last
    },
    W9: na(
      "a raw driver has no query cache (W9's ratios compare quarry's cached W1 with raw's and quarry's uncached W1)",
    ),
  }
}
