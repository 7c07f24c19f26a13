// The BENCHMARKS.md data set, generated from a seed number: the same seed and sizes give the same rows.
// Shared by the demo (which inserts through quarry) and bench/micro (which inserts with node:sqlite).

export interface DataSize {
  readonly authors: number
  readonly posts: number
  readonly tags: number
  readonly tagsPerPost: number
}

/** BENCHMARKS.md's default size. */
export const FULL: DataSize = { authors: 1_000, posts: 100_000, tags: 200, tagsPerPost: 3 }

/** mulberry32: small, fast and deterministic. */
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
  'query model field index join select where order limit offset cache page cursor table column value schema ' +
  'migration backend driver statement prepared mapper shape row instance relation author post tag fast lazy typed ' +
  'django python typescript node sqlite postgres mysql async await promise stream chunk keyset filter exclude'
).split(' ')
const FIRST = 'Ada Bharat Chen Dana Emeka Farah Goran Hana Ivan Jun Kofi Lena Mateo Nadia Omar Priya'.split(' ')
const LAST = 'Lovelace Kumar Wei Scully Okafor Haddad Petrov Sato Ivanov Park Mensah Berg Rossi Khan Rao'.split(' ')

export type AuthorRow = [id: number, name: string, email: string | null]
export type TagRow = [id: number, name: string]
/** Column order of `blog_post`: id, title, body, views, published (0/1), created_at (ISO), author_id. */
export type PostRow = [number, string, string, number, number, string, number]

export interface BlogData {
  readonly authors: AuthorRow[]
  readonly tags: TagRow[]
  /** Posts one at a time with their tag ids (100,000 posts of ~1 KB would be 100 MB at once). */
  posts(): Generator<{ row: PostRow; tags: number[] }>
}

/** The rows of the data set. Authors and tags are drawn first, then posts, from one random sequence. */
export function blogData(seed: number, size: DataSize): BlogData {
  const rand = prng(seed)
  const int = (n: number) => Math.floor(rand() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const words = (n: number) => {
    let s = pick(WORDS)
    for (let i = 1; i < n; i++) s += ` ${pick(WORDS)}`
    return s
  }
  const authors: AuthorRow[] = []
  for (let i = 1; i <= size.authors; i++)
    authors.push([i, `${pick(FIRST)} ${pick(LAST)}`, rand() < 0.1 ? null : `author${i}@example.com`])
  const tags: TagRow[] = []
  for (let i = 1; i <= size.tags; i++) tags.push([i, `tag-${i}`])
  return {
    authors,
    tags,
    *posts() {
      // Unique creation times in an order unrelated to the ids, so "newest first" is not "highest id first".
      const slot = Array.from({ length: size.posts }, (_, i) => i)
      for (let i = slot.length - 1; i > 0; i--) {
        const j = int(i + 1)
        ;[slot[i], slot[j]] = [slot[j]!, slot[i]!]
      }
      const base = Date.UTC(2020, 0, 1)
      for (let i = 1; i <= size.posts; i++) {
        let body = words(12)
        while (body.length < 1000) body += `. ${words(12)}`
        const createdAt = new Date(base + slot[i - 1]! * 60_000 + int(60_000)).toISOString()
        const row: PostRow = [
          i,
          words(3 + int(5)),
          body,
          int(100_000),
          rand() < 0.7 ? 1 : 0,
          createdAt,
          1 + int(size.authors),
        ]
        const chosen = new Set<number>()
        while (chosen.size < Math.min(size.tagsPerPost, size.tags)) chosen.add(1 + int(size.tags))
        yield { row, tags: [...chosen] }
      }
    },
  }
}
