// Start the blog: connect, create the schema, seed the demo's data when the database is empty, serve on a port.
// Used by `npm run example` (main.ts) and by the browser tests, which start it in-process.
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import type { BaseCache } from '../../src/cache/index.ts'
import { createCache } from '../../src/cache/index.ts'
import { type Profiler, profiler } from '../../src/http/index.ts'
import { connect } from '../../src/index.ts'
import { advanceSequences, FULL, seed } from '../demo/seed.ts'
import { createApp } from './app.ts'
import { type BlogDb, schema } from './schema.ts'

export interface StartOptions {
  databaseUrl: string
  /** Where pages, queries and computed boxes are cached (`memory://…` by default, `redis://…` to share it). */
  cacheUrl?: string
  /** Keeps this blog's keys apart from other users of the same Redis. */
  cachePrefix?: string
  /** Posts to seed into an empty database (the demo's 100,000 by default). */
  posts?: number
  seedNumber?: number
  /** 0: any free port. */
  port?: number
  onSeedProgress?: (done: number, total: number) => void
  /** Mount the profiler at /__quarry/ (default: when NODE_ENV is not production). */
  profile?: boolean
  /** A JSON-lines file of query shapes for `quarry advise`. */
  profileStore?: string
  /** The profiler flags a statement slower than this (default 100 ms, the profiler's own). */
  profileSlowMs?: number
}

export interface RunningBlog {
  db: BlogDb
  cache: BaseCache
  profiler: Profiler
  url: string
  /** Whether this start seeded the database (false: it already had posts). */
  seeded: boolean
  close(): Promise<void>
}

export async function startBlog(options: StartOptions): Promise<RunningBlog> {
  const cache = createCache(options.cacheUrl ?? 'memory://?maxEntries=10000', {
    prefix: options.cachePrefix ?? 'quarry-blog',
  })
  // With a cache, every write through db invalidates the cached queries and pages that read what it wrote.
  const db = await connect(options.databaseUrl, schema, { cache })
  try {
    const seeded = await prepare(db, options)
    // A fresh database: whatever a shared cache still holds describes some other data.
    if (seeded) await cache.clear()
    const prof = profiler(db, {
      path: '/__quarry',
      enabled: options.profile ?? process.env.NODE_ENV !== 'production',
      store: options.profileStore,
      slowMs: options.profileSlowMs,
    })
    const app = createApp({ db, cache, profiler: prof })
    const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' })
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve)
      server.once('error', reject)
    })
    const { port } = server.address() as AddressInfo
    return {
      db,
      cache,
      profiler: prof,
      url: `http://127.0.0.1:${port}`,
      seeded,
      close: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await prof.close()
        await db.close()
        await cache.close()
      },
    }
  } catch (e) {
    await db.close()
    await cache.close()
    throw e
  }
}

async function prepare(db: BlogDb, options: StartOptions): Promise<boolean> {
  // The schema comes from the migrations (applied ones are skipped): the same files `npx quarry migrate` runs.
  await db.migrate({ dir: fileURLToPath(new URL('./migrations', import.meta.url)) })
  if (await db.Post.exists()) return false
  const size = { ...FULL, posts: options.posts ?? FULL.posts }
  await seed(db, options.seedNumber ?? 42, size, (done) => options.onSeedProgress?.(done, size.posts))
  await advanceSequences(db, options.databaseUrl)
  return true
}
