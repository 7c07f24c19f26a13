// Types and SQL shared by bench/streaming/run.ts and its worker.

export const SYSTEMS = ['raw-iterate', 'quarry-iterator', 'quarry-all', 'raw-all'] as const
export const PG_SYSTEMS = ['raw-cursor-pg', 'quarry-iterator-pg'] as const
export type System = (typeof SYSTEMS)[number] | (typeof PG_SYSTEMS)[number]

/** What each system runs, for the table and the JSON. */
export const CODE: Record<System, string> = {
  'raw-iterate':
    'node:sqlite stmt.iterate() (setReturnArrays) over the SQL quarry compiles, each row mapped by hand into a class',
  'quarry-iterator': "for await (const p of db.Post.orderBy('-createdAt', '-id').iterator({ chunkSize }))",
  'quarry-all': "const posts = await db.Post.orderBy('-createdAt', '-id'); for (const p of posts) …",
  'raw-all': 'node:sqlite stmt.all() (setReturnArrays), every row mapped by hand into a class, then the loop',
  'raw-cursor-pg': 'postgres.js sql.begin(tx => tx.unsafe(SQL).values().cursor(chunkSize)), hand mapping',
  'quarry-iterator-pg':
    "for await (const p of db.Post.orderBy('-createdAt', '-id').iterator({ chunkSize })) on PostgreSQL (DECLARE/FETCH)",
}

/**
 * The SQL quarry compiles for `db.Post.orderBy('-createdAt', '-id')`; the raw systems run the same text, so the
 * database does the same work. The id breaks ties in created_at: without it PostgreSQL's cursor (planned for its first
 * rows) and postgres.js's portal (planned for all of them) returned tied rows in different orders.
 */
export const POST_SQL =
  'SELECT "blog_post"."id", "blog_post"."title", "blog_post"."body", "blog_post"."views", "blog_post"."published", ' +
  '"blog_post"."created_at", "blog_post"."author_id" FROM "blog_post" ORDER BY "blog_post"."created_at" DESC, ' +
  '"blog_post"."id" DESC'

export interface WorkerTask {
  readonly system: System
  /** SQLite file (SQLite systems). */
  readonly file: string
  /** PostgreSQL URL (PostgreSQL systems). */
  readonly url?: string
  readonly chunkSize: number
  /** Module paths the quarry systems import: quarry's entry and the demo schema built against it. */
  readonly quarry: string
  readonly schema: string
}

export interface WorkerResult {
  readonly system: System
  /** Wall time of the read loop (query + iteration + touching every row), ms. */
  readonly ms: number
  /** process.resourceUsage().maxRSS: the kernel's high-water mark for the whole process, MB. */
  readonly maxRssMb: number
  /** Highest process.memoryUsage.rss() seen by the in-process samples, MB. */
  readonly sampledPeakRssMb: number
  /** RSS after imports and connect, just before the read, MB. */
  readonly baselineRssMb: number
  readonly peakHeapUsedMb: number
  readonly samples: number
  readonly rows: number
  /** count:sum(views):sum(body.length):hash of the ids in order — equal across systems. */
  readonly checksum: string
}
