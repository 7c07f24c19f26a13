// The workloads of BENCHMARKS.md as run here: what one timed run does, and how its result is checked.
import { prng } from '../../examples/demo/data.ts'
import type { NewPost } from '../bulk/workloads.ts'
import type { Backend, DataSize } from './data.ts'

export type WorkloadId =
  | 'W1'
  | 'W2'
  | 'W3'
  | 'W4'
  | 'W5'
  | 'W6'
  | 'W6-loop'
  | 'W7'
  | 'W8-offset'
  | 'W8-keyset'
  | 'W9'
  | 'W10'
  | 'W11'
  | 'W12'

/**
 * The data set a workload runs on: the peer table's blog (`main`, 20,000 posts by default), the 100,000-post
 * blog of BENCHMARKS.md (`big`: W8, W11), or a database the write workloads change (`writes`: the blog's authors
 * and tags, its posts reset before every run, untimed).
 */
export type DataKind = 'main' | 'big' | 'writes'

export interface WorkloadSpec {
  readonly id: WorkloadId
  readonly title: string
  /**
   * Timed runs per process, and warm-up runs before them (full run / --quick). A --quick run times its checked first
   * run as its first sample (cold: a smoke run's numbers are not the published ones) and warms up no further.
   */
  readonly runs: readonly [full: number, quick: number]
  readonly warmup: readonly [full: number, quick: number]
  /**
   * The warm-up's time budget in a full run (seconds), when the default (1 s, `--warmup-s`) ends it before the
   * process has settled (bench/micro/settle.ts): the larger of the two applies.
   */
  readonly warmupS?: number
  /** Backends it runs on (BENCHMARKS.md: W12 is PostgreSQL's). */
  readonly backends: readonly Backend[]
  /** Set when the workload is not in the peer table: the whole row reads "n/a: not in the peer table yet" and why. */
  readonly notBuilt?: string
  /** quarry/raw target of BENCHMARKS.md, per backend. */
  readonly target?: Partial<Record<Backend, number>>
  /** Its data set (default `main`), and in --quick (default the same). */
  readonly data?: DataKind
  readonly quickData?: DataKind
  /**
   * A write workload: the worker resets the table before every run (untimed) and checks the table's contents
   * after the first run, not the runner's return value.
   */
  readonly write?: 'insert' | 'update'
  /**
   * At most this many rounds in a full run, and at least `minRuns` timed runs a process (default 3): the slow write
   * and deep-offset workloads, so that the full run stays within its 45 minutes on the shared 2-core machine.
   */
  readonly rounds?: number
  readonly minRuns?: number
  /** Checked against the reference raw driver's result of this workload instead (W9: raw has no cache; W1's rows). */
  readonly checkAs?: WorkloadId
  /** Its first run fills what the timed runs read (W9: the cache): a --quick run does not time that one. */
  readonly firstFills?: boolean
}

export const FETCH = 1_000
export const AUTHORS = 100
export const GETS: readonly [number, number] = [10_000, 1_000]
export const PAGES = 100
export const CONCURRENT = 64
export const CONCURRENT_ROUNDS = 10
/** The blog of BENCHMARKS.md for W8 and W11. */
export const BIG_POSTS = 100_000
/** W8: the page's depth (rows skipped). */
export const W8_DEPTH = 90_000
// bench/bulk's sizes (bench/run.ts checks they still agree): not imported here, since bench/bulk loads quarry's
// sources, which would then sit in every peer's worker process (and its W11 peak RSS).
export const W6_ROWS = 100_000
export const W6_LOOP_ROWS = 2_000
export const W7_ROWS = 10_000
export const W8_PAGE = 25
export const W8_FETCHES = 5

/** W7's new title of post `id` in a worker's `run`-th run (1 for the checked run, the same for every system). */
export const w7Title = (run: number, id: number): string => `updated ${run} post ${id}`

/** Rows W6 inserts in one bulk call, W6-loop one by one, and W7 updates. */
export interface WriteRows {
  readonly bulk: number
  readonly loop: number
  readonly update: number
}
/** BENCHMARKS.md's sizes, and --quick's (a smoke run of the same code on a tenth of the rows). */
export const WRITE_ROWS: readonly [full: WriteRows, quick: WriteRows] = [
  { bulk: W6_ROWS, loop: W6_LOOP_ROWS, update: W7_ROWS },
  { bulk: W6_ROWS / 10, loop: W6_LOOP_ROWS / 10, update: W7_ROWS / 10 },
]

/** W6's rows as users hold them (plain objects with JS values): bench/bulk's, so both benches insert the same. */
export async function w6Rows(ctx: { size: { seed: number }; rows: WriteRows }, loop: boolean): Promise<NewPost[]> {
  const { newPosts } = await import('../bulk/workloads.ts')
  return newPosts(ctx.size.seed, loop ? ctx.rows.loop : ctx.rows.bulk)
}
export type { NewPost }

export const WORKLOADS: readonly WorkloadSpec[] = [
  {
    id: 'W1',
    title: `${FETCH.toLocaleString('en')} posts by createdAt, author joined`,
    runs: [30, 3],
    // 20 warm-ups left quarry's path still compiling in the timed runs, and CPU time counts the compiler's threads: in
    // one process after 200 runs quarry's W1 is 1.04× raw's CPU, in the table it read 1.53× (bench/notes.md). The
    // warm-up budget (1 s) still caps the slow systems.
    warmup: [150, 0],
    backends: ['sqlite', 'postgres'],
    target: { sqlite: 1.3, postgres: 1.1 },
  },
  {
    id: 'W2',
    title: `${AUTHORS} authors with all their posts (prefetched)`,
    runs: [30, 3],
    warmup: [150, 0], // as W1
    backends: ['sqlite', 'postgres'],
    target: { sqlite: 1.3, postgres: 1.1 },
  },
  {
    id: 'W3',
    title: `W1 as a naive loop: ${FETCH.toLocaleString('en')} posts, then each author lazily (N+1)`,
    runs: [10, 1],
    // 1,000 lazy loads a run: a fresh process settles after ~40 runs on SQLite for quarry (37 28 33 23 then 13 ms a
    // run; raw after ~10) and ~30 on PostgreSQL for both (bench/micro/settle.ts). 30 runs under 1 s timed the tail.
    warmup: [60, 0],
    warmupS: 3,
    backends: ['sqlite', 'postgres'],
  },
  {
    id: 'W4',
    title: 'sequential get by primary key',
    runs: [10, 1],
    // A fresh process keeps every run's 10,000 instances until the run ends: its heap grows, with old-generation
    // collections, through the first ~20 runs on SQLite (~5 on PostgreSQL) for raw and quarry alike
    // (bench/micro/settle.ts). With 4 warm-up runs the timed runs measured that growth: 1.17-1.2x raw for quarry,
    // 1.05x once settled.
    warmup: [20, 0],
    warmupS: 3,
    backends: ['sqlite', 'postgres'],
    target: { sqlite: 1.1, postgres: 1.1 },
  },
  {
    id: 'W5',
    title: `${PAGES} filtered pages: published, title icontains, newest 20`,
    runs: [15, 2],
    warmup: [30, 0], // as W1
    backends: ['sqlite', 'postgres'],
    target: { sqlite: 1.3, postgres: 1.1 },
  },
  {
    id: 'W6',
    title: `bulk insert of ${W6_ROWS.toLocaleString('en')} posts in one bulk call (--quick: a tenth)`,
    runs: [2, 1],
    // The checked first run is the warm-up: one run is 100,000 rows (Prisma and Sequelize take 20–30 s here).
    warmup: [0, 0],
    rounds: 1,
    minRuns: 2,
    backends: ['sqlite', 'postgres'],
    data: 'writes',
    write: 'insert',
  },
  {
    id: 'W6-loop',
    title: `${W6_LOOP_ROWS.toLocaleString('en')} posts, one create() per row (compare per row with W6)`,
    runs: [3, 1],
    warmup: [0, 0],
    rounds: 1,
    backends: ['sqlite', 'postgres'],
    data: 'writes',
    write: 'insert',
  },
  {
    id: 'W7',
    title: `bulk update: ${W7_ROWS.toLocaleString('en')} posts, each a different title`,
    runs: [3, 1],
    warmup: [1, 0],
    backends: ['sqlite', 'postgres'],
    data: 'writes',
    write: 'update',
    rounds: 1,
  },
  {
    id: 'W8-offset',
    title: `the ${W8_PAGE}-post page at depth ${W8_DEPTH.toLocaleString('en')} by OFFSET, ×${W8_FETCHES}`,
    runs: [5, 1],
    warmup: [1, 0],
    backends: ['sqlite', 'postgres'],
    data: 'big',
    rounds: 1,
  },
  {
    id: 'W8-keyset',
    title: `the same page by keyset (after the cursor of row ${W8_DEPTH.toLocaleString('en')}), ×${W8_FETCHES}`,
    // Sub-millisecond runs: 10 warm-ups left the optimizing compiler working through the timed runs, and CPU time
    // counts its threads (bench/cache/w9.ts found the same for W9). The warm-up budget still caps slow systems.
    // quarry's page (a full SQL build per page) settles after ~200 runs on SQLite (CPU ms a run, median of each 100
    // runs in a fresh process: 1.43 0.73 0.36 0.32 0.31 … 0.29; raw 0.27 0.24 0.23 …; Kysely 0.72 0.55 0.65 …):
    // with 150 warm-ups the table timed runs 151-250 and read quarry at 0.56-0.70 ms.
    runs: [100, 2],
    warmup: [400, 0],
    backends: ['sqlite', 'postgres'],
    data: 'big',
  },
  {
    id: 'W9',
    title: 'W1 from a warm query cache (memory)',
    checkAs: 'W1',
    firstFills: true,
    // As W8-keyset: a hit takes ~0.2 ms, so 20 warm-ups did not reach the optimized code (bench/notes.md).
    runs: [100, 3],
    warmup: [150, 0],
    backends: ['sqlite', 'postgres'],
  },
  {
    id: 'W10',
    title: 'cached page (HTTP)',
    runs: [0, 0],
    warmup: [0, 0],
    backends: [],
    notBuilt:
      'an HTTP workload (server and load generator in separate processes): `npx node bench/cache/w10.ts`; its latest results are shown below',
  },
  {
    id: 'W11',
    title: 'stream every post of the 100,000-post blog (--quick: the 20,000); time and peak RSS',
    runs: [3, 1],
    warmup: [1, 0],
    backends: ['sqlite', 'postgres'],
    data: 'big',
    quickData: 'main',
  },
  {
    id: 'W12',
    title: `${CONCURRENT} concurrent W5 pages ×${CONCURRENT_ROUNDS}`,
    runs: [10, 1],
    warmup: [3, 0],
    backends: ['postgres'],
  },
]

export const workloadById = new Map(WORKLOADS.map((w) => [w.id, w]))

/** Words the generated titles are made of (examples/demo/data.ts), searched by W5 and W12. */
const PAGE_WORDS = ['query', 'model', 'index', 'django', 'cache', 'sqlite', 'async', 'stream', 'keyset', 'mapper']
export const pageWord = (i: number): string => PAGE_WORDS[i % PAGE_WORDS.length]!

/** The ids W4 reads: spread over the table, the same for every system. */
export function getIds(size: DataSize, count: number): number[] {
  const rand = prng(size.seed ^ 0x9e3779b9)
  return Array.from({ length: count }, () => 1 + Math.floor(rand() * size.posts))
}
