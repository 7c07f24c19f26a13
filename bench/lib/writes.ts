// The write workloads' side that is the same for every system, run by the worker outside the timing: the reset
// before every run (W6: an empty posts table; W7: the same 10,000 posts again) and the check of what a system
// wrote (the whole table's contents, read back with the reference raw driver and reduced to one hash).
import { DatabaseSync } from 'node:sqlite'
import postgres from 'postgres'
import type { Backend } from './data.ts'
import { readInstant } from './instant.ts'
import { type WriteRows, w6Rows } from './workloads.ts'

export interface WriteTarget {
  /** Before each run, untimed: `insert` empties the posts; `update` puts back W7's posts 1..10,000 as generated. */
  reset(kind: 'insert' | 'update'): Promise<void>
  /** The posts table's contents in id order (title, body, views, published, instant, author): rows and hash. */
  digest(): Promise<{ rows: number; checksum: string }>
  close(): Promise<void>
}

const COLS = 'title, body, views, published, created_at, author_id'

/** FNV-1a over many lines, without building one string of 100 MB. */
class Hasher {
  h = 0x811c9dc5
  add(text: string): void {
    let h = this.h
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
    this.h = Math.imul(h ^ 10, 0x01000193)
  }
  get hex(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0')
  }
}

/** One row, read back the same whatever wrote it: dates as instants (ISO), booleans as true/false. */
function line(r: unknown[]): string {
  const pub = r[3] === true || r[3] === 1 ? 'true' : r[3] === false || r[3] === 0 ? 'false' : `?${String(r[3])}`
  const at = readInstant(r[4])
  return `${r[0]}|${r[1]}|${r[2]}|${pub}|${Number.isNaN(at.getTime()) ? `?${String(r[4])}` : at.toISOString()}|${r[5]}`
}

export async function openWriteTarget(
  backend: Backend,
  location: string,
  seed: number,
  rows: WriteRows,
): Promise<WriteTarget> {
  // W7's starting rows: the first 10,000 of W6's (--quick: 1,000) (explicit ids 1..10,000).
  const start = await w6Rows({ size: { seed }, rows: { ...rows, bulk: rows.update } }, false)
  if (backend === 'sqlite') {
    const db = new DatabaseSync(location)
    db.exec(
      'PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL',
    )
    const ins = db.prepare(`INSERT INTO blog_post (id, ${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    return {
      async reset(kind) {
        db.exec('BEGIN')
        db.exec(
          "DELETE FROM blog_post_tags; DELETE FROM blog_post; DELETE FROM sqlite_sequence WHERE name = 'blog_post'",
        )
        if (kind === 'update')
          for (const [i, p] of start.entries())
            ins.run(i + 1, p.title, p.body, p.views, p.published ? 1 : 0, p.createdAt.toISOString(), p.authorId)
        db.exec('COMMIT')
        // Every system starts from the same file state: an empty WAL.
        db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      },
      async digest() {
        const h = new Hasher()
        let rows = 0
        const st = db.prepare(`SELECT ${COLS} FROM blog_post ORDER BY id`)
        st.setReturnArrays(true)
        for (const r of st.iterate() as unknown as Iterable<unknown[]>) {
          h.add(line(r))
          rows++
        }
        return { rows, checksum: h.hex }
      },
      async close() {
        db.close()
      },
    }
  }
  const sql = postgres(location, { max: 1, onnotice: () => {} })
  return {
    async reset(kind) {
      await sql.begin(async (tx) => {
        await tx.unsafe('TRUNCATE blog_post RESTART IDENTITY CASCADE')
        if (kind === 'update')
          for (let s = 0; s < start.length; s += 2000)
            await tx`insert into blog_post ${tx(
              start.slice(s, s + 2000).map((p, i) => ({
                id: s + i + 1,
                title: p.title,
                body: p.body,
                views: p.views,
                published: p.published,
                created_at: p.createdAt,
                author_id: p.authorId,
              })),
            )}`
      })
      await sql.unsafe('ANALYZE blog_post')
    },
    async digest() {
      const h = new Hasher()
      let rows = 0
      for await (const batch of sql
        .unsafe(`SELECT ${COLS} FROM blog_post ORDER BY id`)
        .values()
        .cursor(5000) as AsyncIterable<unknown[][]>)
        for (const r of batch) {
          h.add(line(r))
          rows++
        }
      return { rows, checksum: h.hex }
    },
    close: () => sql.end({ timeout: 5 }),
  }
}
