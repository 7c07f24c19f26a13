// The hand-written side of the benchmarks: plain classes filled by hand from array rows. Imports nothing, so a
// raw system's process never loads quarry.

export class RawAuthor {
  id: number
  name: string
  email: string | null
  constructor(id: number, name: string, email: string | null) {
    this.id = id
    this.name = name
    this.email = email
  }
}

/** A post, `r` in the column order of POST_COLS / blog_post. */
export class RawPost {
  id: number
  title: string
  body: string
  views: number
  published: boolean
  createdAt: Date
  authorId: number
  author: RawAuthor | null
  /** `pg`: a postgres.js row, whose int8 columns come as text and booleans and timestamps already parsed. */
  constructor(r: unknown[], author: RawAuthor | null = null, pg = false) {
    this.id = pg ? Number(r[0]) : (r[0] as number)
    this.title = r[1] as string
    this.body = r[2] as string
    this.views = r[3] as number
    this.published = pg ? (r[4] as boolean) : r[4] === 1
    this.createdAt = pg ? (r[5] as Date) : new Date(r[5] as string)
    this.authorId = pg ? Number(r[6]) : (r[6] as number)
    this.author = author
  }
}
