import { DatabaseSync } from 'node:sqlite'
import { connect } from '../../src/index.ts'
import { schema } from './schema.ts'

export interface DataSize {
  readonly seed: number
  readonly authors: number
  readonly posts: number
  readonly tags: number
  readonly tagsPerPost: number
}

/** mulberry32: a small, fast, deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = (
  'query model field index join select where order limit offset cache page cursor table column value ' +
  'schema migration backend driver statement prepared mapper shape row instance relation author post tag ' +
  'fast lazy typed django python typescript node sqlite postgres mysql async await promise stream chunk ' +
  'keyset filter exclude annotate aggregate count sum average minimum maximum distinct related prefetch'
).split(' ')
const FIRST =
  'Ada Bharat Chen Dana Emeka Farah Goran Hana Ivan Jun Kofi Lena Mateo Nadia Omar Priya Quinn Rosa Sven Tara'.split(
    ' ',
  )
const LAST =
  'Lovelace Singh Wei Scully Okafor Haddad Petrov Sato Ivanov Park Mensah Berg Rossi Khan Aziz Rao Lee Diaz Berg Nowak'.split(
    ' ',
  )

/**
 * Create the tables with quarry, then fill them with node:sqlite directly (one transaction, prepared
 * statements). Deterministic: the same seed and sizes give the same rows.
 */
export async function buildDatabase(file: string, size: DataSize): Promise<void> {
  const db = await connect(`sqlite:${file}`, schema)
  await db.createTables()
  await db.close()

  const rand = prng(size.seed)
  const int = (n: number) => Math.floor(rand() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const words = (n: number) => {
    let s = pick(WORDS)
    for (let i = 1; i < n; i++) s += ` ${pick(WORDS)}`
    return s
  }

  const raw = new DatabaseSync(file)
  raw.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON')
  raw.exec('BEGIN')
  const insAuthor = raw.prepare('INSERT INTO author (id, name, email) VALUES (?, ?, ?)')
  for (let i = 1; i <= size.authors; i++)
    insAuthor.run(i, `${pick(FIRST)} ${pick(LAST)} ${i}`, rand() < 0.1 ? null : `author${i}@example.com`)
  const insTag = raw.prepare('INSERT INTO tag (id, name) VALUES (?, ?)')
  for (let i = 1; i <= size.tags; i++) insTag.run(i, `tag-${i}`)

  // Unique creation times in an order unrelated to the ids, so ORDER BY created_at is not ORDER BY id.
  const slot = Array.from({ length: size.posts }, (_, i) => i)
  for (let i = slot.length - 1; i > 0; i--) {
    const j = int(i + 1)
    ;[slot[i], slot[j]] = [slot[j]!, slot[i]!]
  }
  const base = Date.UTC(2020, 0, 1)
  const insPost = raw.prepare(
    'INSERT INTO blog_post (id, title, body, views, published, created_at, author_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  const insPostTag = raw.prepare('INSERT INTO blog_post_tags (post_id, tag_id) VALUES (?, ?)')
  for (let i = 1; i <= size.posts; i++) {
    let body = words(8)
    while (body.length < 1000) body += `. ${words(8)}`
    const createdAt = new Date(base + slot[i - 1]! * 60_000 + int(60_000)).toISOString()
    insPost.run(i, words(3 + int(6)), body, int(100_000), rand() < 0.7 ? 1 : 0, createdAt, 1 + int(size.authors))
    const tags = new Set<number>()
    while (tags.size < Math.min(size.tagsPerPost, size.tags)) tags.add(1 + int(size.tags))
    for (const t of tags) insPostTag.run(i, t)
  }
  raw.exec('COMMIT')
  raw.exec('ANALYZE')
  raw.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  raw.close()
}
