// The deterministic blog data set of BENCHMARKS.md, built once per backend and size and reused by later runs.
// Tables are created by quarry (every system reads the same tables); rows are inserted with the raw drivers.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import postgres from 'postgres'
import { blogData } from '../../examples/demo/data.ts'
import { schema } from '../../examples/demo/schema.ts'
import { connect } from '../../src/index.ts'
import { sqliteDateText } from './instant.ts'

export interface DataSize {
  readonly seed: number
  readonly authors: number
  readonly posts: number
  readonly tags: number
  readonly tagsPerPost: number
}

export type Backend = 'sqlite' | 'postgres'

/** The peer table's main data set (W1–W5, W9, W12), as `npm run bench` builds it by default. */
export const TABLE_SIZE: DataSize = { seed: 42, authors: 1000, posts: 20_000, tags: 200, tagsPerPost: 3 }

/** Where one backend's copy of the data set lives: a SQLite file, or a PostgreSQL URL. */
export interface DataSource {
  readonly backend: Backend
  /** SQLite: the file path. PostgreSQL: the database URL. */
  readonly location: string
  readonly size: DataSize
}

export const ADMIN_URL = process.env.QUARRY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Name that changes whenever the data would: seed and sizes (bump the suffix when the generator changes). */
export function dataName(size: DataSize): string {
  return `quarry_bench_s${size.seed}_a${size.authors}_p${size.posts}_t${size.tags}x${size.tagsPerPost}_v1`
}

/**
 * How a SQLite datetime is stored as text. `iso`: `2020-03-10T10:30:50.897Z` (the peer table's 20,000-post set, as
 * its earlier runs had it). `sql`: `2020-03-10 10:30:50.897`, UTC, milliseconds only when not zero — what quarry,
 * Django, the sqlite3 shell and `datetime()` write; needed wherever a datetime is bound and compared, since SQLite
 * compares that text as text (W8's keyset page on the 100,000-post set).
 */
export type SqliteDates = 'iso' | 'sql'

export async function ensureSqlite(dir: string, size: DataSize, dates: SqliteDates = 'iso'): Promise<DataSource> {
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${dataName(size)}${dates === 'sql' ? '_sqldates' : ''}.db`)
  if (!existsSync(file)) {
    // Built under a temporary name and renamed at the end: an interrupted build is never reused.
    const tmp = `${file}.building`
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true })
    await buildSqlite(tmp, size, dates)
    renameSync(tmp, file)
  }
  return { backend: 'sqlite', location: file, size }
}

async function buildSqlite(file: string, size: DataSize, dates: SqliteDates): Promise<void> {
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
    if (dates === 'sql') row[5] = sqliteDateText(new Date(row[5]))
    insPost.run(...row)
    for (const t of tags) insPostTag.run(row[0], t)
  }
  raw.exec('COMMIT')
  raw.exec('ANALYZE')
  raw.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  raw.close()
}

/** The database URL for `name` on the admin URL's server. */
export function pgUrl(name: string): string {
  const u = new URL(ADMIN_URL)
  u.pathname = `/${name}`
  return u.toString()
}

/** Is PostgreSQL reachable? (The table then says n/a for it rather than failing the run.) */
export async function pgReachable(): Promise<boolean> {
  const admin = postgres(ADMIN_URL, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await admin`select 1`
    return true
  } catch {
    return false
  } finally {
    await admin.end({ timeout: 5 })
  }
}

export async function ensurePostgres(size: DataSize): Promise<DataSource> {
  const name = dataName(size)
  const url = pgUrl(name)
  const admin = postgres(ADMIN_URL, { max: 1, connect_timeout: 10, onnotice: () => {} })
  try {
    const [done] = await admin`select 1 from pg_database where datname = ${`${name}`}`
    if (!done) {
      const tmp = `${name}_building`
      await admin.unsafe(`DROP DATABASE IF EXISTS ${tmp} WITH (FORCE)`)
      await admin.unsafe(`CREATE DATABASE ${tmp}`)
      await buildPostgres(pgUrl(tmp), size)
      await admin.unsafe(`ALTER DATABASE ${tmp} RENAME TO ${name}`)
    }
  } finally {
    await admin.end({ timeout: 5 })
  }
  return { backend: 'postgres', location: url, size }
}

async function buildPostgres(url: string, size: DataSize): Promise<void> {
  const db = await connect(url, schema)
  await db.createTables()
  await db.close()
  const data = blogData(size.seed, size)
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await sql.begin(async (tx) => {
      await tx`insert into author ${tx(data.authors.map(([id, name, email]) => ({ id, name, email })))}`
      await tx`insert into tag ${tx(data.tags.map(([id, name]) => ({ id, name })))}`
      let posts: Record<string, unknown>[] = []
      let links: { post_id: number; tag_id: number }[] = []
      const flush = async () => {
        if (posts.length) await tx`insert into blog_post ${tx(posts)}`
        if (links.length) await tx`insert into blog_post_tags ${tx(links)}`
        posts = []
        links = []
      }
      for (const { row, tags } of data.posts()) {
        const [id, title, body, views, published, createdAt, authorId] = row
        posts.push({
          id,
          title,
          body,
          views,
          published: published === 1,
          created_at: new Date(createdAt),
          author_id: authorId,
        })
        for (const t of tags) links.push({ post_id: id, tag_id: t })
        if (posts.length === 1000) await flush()
      }
      await flush()
      // Explicit ids were inserted: move the sequences past them, as a real table would be.
      for (const t of ['author', 'tag', 'blog_post', 'blog_post_tags'])
        await tx.unsafe(`select setval(pg_get_serial_sequence('${t}', 'id'), (select max(id) from ${t}))`)
    })
    await sql`analyze`
  } finally {
    await sql.end({ timeout: 5 })
  }
}
