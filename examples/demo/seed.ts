// The BENCHMARKS.md data set, generated from a seed number: the same seed gives the same rows.
import { type Db, type SqlFragment, sql } from '../../src/index.ts'
import { blogData, type DataSize } from './data.ts'
import type { schema } from './schema.ts'

export { type DataSize, FULL } from './data.ts'

type Blog = typeof schema.$models

/**
 * Fill the tables with multi-row INSERTs (raw `sql` fragments, bound parameters) in one transaction, calling
 * `progress(done, total)` as it goes. bulkCreate will replace this once it exists.
 */
export async function seed(db: Db<Blog>, seedNumber: number, size: DataSize, progress: (done: number) => void) {
  const data = blogData(seedNumber, size)
  const insert = (table: string, columns: string[], rows: SqlFragment[]) =>
    db.execute(sql`insert into ${sql.ident(table)} (${sql.unsafe(columns.join(', '))}) values ${sql.join(rows)}`)
  // Rows per statement: under SQLite's 32,766 bound parameters.
  const batch = (columns: number) => Math.floor(32_000 / columns)
  const values = (row: readonly unknown[]) => sql`(${sql.join(row.map((v) => sql`${v}`))})`

  await db.atomic(async () => {
    await insert('author', ['id', 'name', 'email'], data.authors.map(values))
    await insert('tag', ['id', 'name'], data.tags.map(values))
    let posts: SqlFragment[] = []
    let links: SqlFragment[] = []
    for (const { row, tags } of data.posts()) {
      posts.push(values(row))
      for (const t of tags) links.push(sql`(${row[0]}, ${t})`)
      if (posts.length === batch(7) || row[0] === size.posts) {
        await insert('blog_post', ['id', 'title', 'body', 'views', 'published', 'created_at', 'author_id'], posts)
        posts = []
        progress(row[0])
      }
      if (links.length >= batch(2) || row[0] === size.posts) {
        await insert('blog_post_tags', ['post_id', 'tag_id'], links)
        links = []
      }
    }
  })
}
