import { DatabaseSync } from 'node:sqlite'
import { type DataSize as BlogSize, blogData } from '../../examples/demo/data.ts'
import { schema } from '../../examples/demo/schema.ts'
import { connect } from '../../src/index.ts'

export interface DataSize extends BlogSize {
  readonly seed: number
}

/**
 * Create the tables with quarry, then fill them with node:sqlite directly (one transaction, prepared
 * statements). Deterministic: the same seed and sizes give the same rows.
 */
export async function buildDatabase(file: string, size: DataSize): Promise<void> {
  const db = await connect(`sqlite:${file}`, schema)
  await db.createTables()
  await db.close()

  const data = blogData(size.seed, size)
  const raw = new DatabaseSync(file)
  raw.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON')
  raw.exec('BEGIN')
  const insAuthor = raw.prepare('INSERT INTO author (id, name, email) VALUES (?, ?, ?)')
  for (const row of data.authors) insAuthor.run(...row)
  const insTag = raw.prepare('INSERT INTO tag (id, name) VALUES (?, ?)')
  for (const row of data.tags) insTag.run(...row)
  const insPost = raw.prepare(
    'INSERT INTO blog_post (id, title, body, views, published, created_at, author_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  const insPostTag = raw.prepare('INSERT INTO blog_post_tags (post_id, tag_id) VALUES (?, ?)')
  for (const { row, tags } of data.posts()) {
    insPost.run(...row)
    for (const t of tags) insPostTag.run(row[0], t)
  }
  raw.exec('COMMIT')
  raw.exec('ANALYZE')
  raw.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  raw.close()
}
