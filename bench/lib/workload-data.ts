// The data set a workload reads, for the tools that open one system on one workload outside run.ts (bench/micro's
// instructions.ts and settle.ts): the peer table's blog, or the 100,000-post one for W8 and W11, as run.ts picks.
import path from 'node:path'
import { type Backend, type DataSize, ensurePostgres, ensureSqlite, TABLE_SIZE, tableData } from './data.ts'
import { BIG_POSTS, WORKLOADS } from './workloads.ts'

export async function workloadData(backend: Backend, workload: string): Promise<{ location: string; size: DataSize }> {
  const spec = WORKLOADS.find((w) => w.id === workload)
  // A write workload writes into the table it is given: run on the shared read set, it would leave that set changed
  // for every later run (W6 once left 620,000 posts in the 20,000-post set). Writes get run.ts's own empty set, which
  // the caller resets before each run (lib/writes.ts), as the worker does.
  if (spec?.write)
    return backend === 'sqlite'
      ? {
          location: (await ensureSqlite(path.join(import.meta.dirname, '../.data'), { ...TABLE_SIZE, posts: 0 }, 'iso'))
            .location,
          size: TABLE_SIZE,
        }
      : { location: (await ensurePostgres({ ...TABLE_SIZE, posts: 0 })).location, size: TABLE_SIZE }
  if (spec?.data !== 'big') return { location: await tableData(backend), size: TABLE_SIZE }
  const size = { ...TABLE_SIZE, posts: BIG_POSTS }
  // As run.ts: the big SQLite set stores datetimes as quarry writes them (W8's keyset binds one).
  const location =
    backend === 'sqlite'
      ? (await ensureSqlite(path.join(import.meta.dirname, '../.data'), size, 'sql')).location
      : (await ensurePostgres(size)).location
  return { location, size }
}
