// The BENCHMARKS.md data set, generated from a seed number: the same seed gives the same rows.
import { type Db, type SqlFragment, sql } from '../../src/index.ts'
import { blogData, type DataSize } from './data.ts'
import type { schema } from './schema.ts'

export { type DataSize, FULL } from './data.ts'

type Blog = typeof schema.$models

/**
 * Fill the tables in one transaction: authors, tags and posts with `bulkCreate` (batches sized to the database's
 * bind-parameter limit), the post–tag links with multi-row INSERTs. Calls `progress(done)` as posts go in.
 */
export async function seed(db: Db<Blog>, seedNumber: number, size: DataSize, progress: (done: number) => void) {
  const data = blogData(seedNumber, size)
  // Rows per statement: under SQLite's 32,766 bound parameters.
  const LINKS = 16_000
  const BATCH = 10_000
  await db.atomic(async () => {
    await db.Author.bulkCreate(data.authors.map(([id, name, email]) => ({ id, name, email })))
    await db.Tag.bulkCreate(data.tags.map(([id, name]) => ({ id, name })))
    let posts: Parameters<typeof db.Post.bulkCreate>[0][number][] = []
    let links: SqlFragment[] = []
    const flushLinks = async () => {
      for (let i = 0; i < links.length; i += LINKS)
        await db.execute(
          sql`insert into blog_post_tags (post_id, tag_id) values ${sql.join(links.slice(i, i + LINKS))}`,
        )
      links = []
    }
    for (const { row, tags } of data.posts()) {
      const [id, title, body, views, published, createdAt, authorId] = row
      posts.push({ id, title, body, views, published: published === 1, createdAt: new Date(createdAt), authorId })
      for (const t of tags) links.push(sql`(${id}, ${t})`)
      if (posts.length === BATCH || id === size.posts) {
        await db.Post.bulkCreate(posts)
        await flushLinks() // after the posts they point to
        posts = []
        progress(id)
      }
    }
  })
}

/**
 * The seed inserts explicit ids, and PostgreSQL's id sequences do not follow them: move them past the seeded rows
 * so that the next `create()` gets a free id. Nothing to do on SQLite and MySQL/MariaDB, whose counters follow.
 */
export async function advanceSequences(db: Db<Blog>, url: string): Promise<void> {
  if (!/^postgres(ql)?:/.test(url)) return
  for (const table of ['author', 'tag', 'blog_post', 'blog_post_tags'])
    await db.execute(
      sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.ident(table)}), 1))`,
    )
}
