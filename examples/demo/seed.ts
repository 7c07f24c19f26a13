// The BENCHMARKS.md data set, generated from a seed number: the same seed gives the same rows.
import { type Db, type SqlFragment, sql } from '../../src/index.ts'
import type { schema } from './schema.ts'

export interface DataSize {
  readonly authors: number
  readonly posts: number
  readonly tags: number
  readonly tagsPerPost: number
}

export const FULL: DataSize = { authors: 1_000, posts: 100_000, tags: 200, tagsPerPost: 3 }

/** mulberry32: small, fast and deterministic. */
function prng(seed: number): () => number {
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
  'query model field index join select where order limit offset cache page cursor table column value schema ' +
  'migration backend driver statement prepared mapper shape row instance relation author post tag fast lazy typed ' +
  'django python typescript node sqlite postgres mysql async await promise stream chunk keyset filter exclude'
).split(' ')
const FIRST = 'Ada Bharat Chen Dana Emeka Farah Goran Hana Ivan Jun Kofi Lena Mateo Nadia Omar Priya'.split(' ')
const LAST = 'Lovelace Kumar Wei Scully Okafor Haddad Petrov Sato Ivanov Park Mensah Berg Rossi Khan Rao'.split(' ')

type Blog = typeof schema.$models

/**
 * Fill the tables with multi-row INSERTs (raw `sql` fragments, bound parameters) in one transaction, calling
 * `progress(done, total)` as it goes. bulkCreate will replace this once it exists.
 */
export async function seed(db: Db<Blog>, seedNumber: number, size: DataSize, progress: (done: number) => void) {
  const rand = prng(seedNumber)
  const int = (n: number) => Math.floor(rand() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ')
  const insert = (table: string, columns: string[], rows: SqlFragment[]) =>
    db.execute(sql`insert into ${sql.ident(table)} (${sql.unsafe(columns.join(', '))}) values ${sql.join(rows)}`)
  // Rows per statement: under SQLite's 32,766 bound parameters.
  const batch = (columns: number) => Math.floor(32_000 / columns)

  await db.atomic(async () => {
    const authors: SqlFragment[] = []
    for (let i = 1; i <= size.authors; i++)
      authors.push(sql`(${i}, ${`${pick(FIRST)} ${pick(LAST)}`}, ${rand() < 0.1 ? null : `author${i}@example.com`})`)
    await insert('author', ['id', 'name', 'email'], authors)
    const tags: SqlFragment[] = []
    for (let i = 1; i <= size.tags; i++) tags.push(sql`(${i}, ${`tag-${i}`})`)
    await insert('tag', ['id', 'name'], tags)

    const base = Date.UTC(2020, 0, 1)
    let posts: SqlFragment[] = []
    let links: SqlFragment[] = []
    for (let i = 1; i <= size.posts; i++) {
      let body = words(12)
      while (body.length < 1000) body += `. ${words(12)}`
      // Creation times unrelated to ids, so "newest first" is not "highest id first".
      const createdAt = new Date(base + int(4 * 365 * 24 * 60) * 60_000 + i).toISOString()
      posts.push(
        sql`(${i}, ${words(3 + int(5))}, ${body}, ${int(100_000)}, ${rand() < 0.7 ? 1 : 0}, ${createdAt}, ${1 + int(size.authors)})`,
      )
      const chosen = new Set<number>()
      while (chosen.size < Math.min(size.tagsPerPost, size.tags)) chosen.add(1 + int(size.tags))
      for (const t of chosen) links.push(sql`(${i}, ${t})`)
      if (posts.length === batch(7) || i === size.posts) {
        await insert('blog_post', ['id', 'title', 'body', 'views', 'published', 'created_at', 'author_id'], posts)
        posts = []
        progress(i)
      }
      if (links.length >= batch(2) || i === size.posts) {
        await insert('blog_post_tags', ['post_id', 'tag_id'], links)
        links = []
      }
    }
  })
}
