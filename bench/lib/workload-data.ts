// The data sets the workloads read, built once per backend and reused: the peer table's blog ('main'), the
// 100,000-post one for W8 and W11 ('big'), and the writes' own ('writes': authors and tags, its posts reset before
// every run). run.ts builds them for the table; bench/micro's instructions.ts and settle.ts open one for one workload.
import path from 'node:path'
import { type Backend, type DataSize, ensurePostgres, ensureSqlite, TABLE_SIZE } from './data.ts'
import { BIG_POSTS, type DataKind, WORKLOADS } from './workloads.ts'

/** The size of data set `kind`, given the main set's. */
export function kindSize(kind: DataKind, main: DataSize): DataSize {
  return kind === 'big' ? { ...main, posts: BIG_POSTS } : kind === 'writes' ? { ...main, posts: 0 } : main
}

/** Data set `kind` (built if missing): a SQLite file's path or a PostgreSQL URL. */
export async function ensureData(backend: Backend, kind: DataKind, main: DataSize = TABLE_SIZE): Promise<string> {
  const size = kindSize(kind, main)
  // The 100,000-post set stores SQLite datetimes as quarry writes them: W8's keyset binds one (lib/data.ts).
  if (backend === 'sqlite')
    return (await ensureSqlite(path.join(import.meta.dirname, '../.data'), size, kind === 'big' ? 'sql' : 'iso'))
      .location
  return (await ensurePostgres(size)).location
}

/**
 * The data set one workload reads, with the size its system is told (the writes' systems get the main set's: they
 * draw authors from it). A write workload gets the writes' set, never the shared read set it would leave changed
 * (W6 once left 620,000 posts in the 20,000-post set); its caller resets it before each run (lib/writes.ts).
 */
export async function workloadData(backend: Backend, workload: string): Promise<{ location: string; size: DataSize }> {
  const kind = WORKLOADS.find((w) => w.id === workload)?.data ?? 'main'
  return { location: await ensureData(backend, kind), size: kind === 'big' ? kindSize(kind, TABLE_SIZE) : TABLE_SIZE }
}
