// The hand-written side, shared by the four raw-driver systems: plain classes with a fixed shape, filled by hand
// from array rows (the fast way: prepared statements, array rows, hand mapping).

export class RawAuthor {
  id: number
  name: string
  email: string | null
  posts: RawPost[] | undefined
  constructor(id: number, name: string, email: string | null) {
    this.id = id
    this.name = name
    this.email = email
    this.posts = undefined
  }
}

/** A post from array row `r` in POST_COLS order. `sqlite`: published is 0/1 and created_at ISO text. */
export class RawPost {
  id: number
  title: string
  body: string
  views: number
  published: boolean
  createdAt: Date
  authorId: number
  author: RawAuthor | null
  constructor(r: unknown[], sqlite: boolean, author: RawAuthor | null = null) {
    // PostgreSQL's keys are bigint, which the drivers return as text: numbers, as the ORMs give them.
    this.id = sqlite ? (r[0] as number) : Number(r[0])
    this.title = r[1] as string
    this.body = r[2] as string
    this.views = r[3] as number
    this.published = sqlite ? r[4] === 1 : (r[4] as boolean)
    this.createdAt = sqlite ? new Date(r[5] as string) : (r[5] as Date)
    this.authorId = sqlite ? (r[6] as number) : Number(r[6])
    this.author = author
  }
}

export const POST_COLS = 'p.id, p.title, p.body, p.views, p.published, p.created_at, p.author_id'
export const AUTHOR_COLS = 'a.id, a.name, a.email'

/** Group posts under their authors (posts arrive ordered by author, then newest first). */
export function attach(authors: RawAuthor[], posts: RawPost[]): RawAuthor[] {
  const byId = new Map<number, RawAuthor>()
  for (const a of authors) {
    a.posts = []
    byId.set(a.id, a)
  }
  for (const p of posts) byId.get(p.authorId)!.posts!.push(p)
  return authors
}

export function mapAuthors(rows: unknown[][]): RawAuthor[] {
  const out = new Array<RawAuthor>(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    out[i] = new RawAuthor(Number(r[0]), r[1] as string, r[2] as string | null)
  }
  return out
}

export function mapPosts(rows: unknown[][], sqlite: boolean): RawPost[] {
  const out = new Array<RawPost>(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = new RawPost(rows[i]!, sqlite)
  return out
}

export function mapPostsWithAuthor(rows: unknown[][], sqlite: boolean): RawPost[] {
  const out = new Array<RawPost>(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    out[i] = new RawPost(r, sqlite, new RawAuthor(Number(r[7]), r[8] as string, r[9] as string | null))
  }
  return out
}

/** The SQL every raw system runs (`?` placeholders; the PostgreSQL ones renumber them). */
export const SQL = {
  w1: `SELECT ${POST_COLS}, ${AUTHOR_COLS} FROM blog_post p INNER JOIN author a ON a.id = p.author_id ORDER BY p.created_at DESC LIMIT ?`,
  posts: `SELECT ${POST_COLS} FROM blog_post p ORDER BY p.created_at DESC LIMIT ?`,
  authors: `SELECT ${AUTHOR_COLS} FROM author a ORDER BY a.id LIMIT ?`,
  author: `SELECT ${AUTHOR_COLS} FROM author a WHERE a.id = ?`,
  post: `SELECT ${POST_COLS} FROM blog_post p WHERE p.id = ?`,
  all: `SELECT ${POST_COLS} FROM blog_post p`,
}

export function pg(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}
