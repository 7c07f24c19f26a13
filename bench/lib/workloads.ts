// The workloads of BENCHMARKS.md as run here: what one timed run does, and how its result is checked.
import { prng } from '../../examples/demo/data.ts'
import type { Backend, DataSize } from './data.ts'

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6' | 'W7' | 'W8' | 'W9' | 'W10' | 'W11' | 'W12'

export interface WorkloadSpec {
  readonly id: WorkloadId
  readonly title: string
  /** Timed runs per process, and warm-up runs before them (full run / --quick). */
  readonly runs: readonly [full: number, quick: number]
  readonly warmup: readonly [full: number, quick: number]
  /** Backends it runs on (BENCHMARKS.md: W12 is PostgreSQL's). */
  readonly backends: readonly Backend[]
  /** Set when the workload is not in the peer table: the whole row reads "n/a: not in the peer table yet" and why. */
  readonly notBuilt?: string
  /** quarry/raw target of BENCHMARKS.md, per backend. */
  readonly target?: Partial<Record<Backend, number>>
}

export const FETCH = 1_000
export const AUTHORS = 100
export const GETS: readonly [number, number] = [10_000, 1_000]
export const PAGES = 100
export const CONCURRENT = 64
export const CONCURRENT_ROUNDS = 10

export const WORKLOADS: readonly WorkloadSpec[] = [
  {
    id: 'W1',
    title: `${FETCH.toLocaleString('en')} posts by createdAt, author joined`,
    runs: [30, 5],
    warmup: [20, 3],
    backends: ['sqlite', 'postgres'],
    target: { sqlite: 1.3, postgres: 1.1 },
  },
  {
    id: 'W2',
    title: `${AUTHORS} authors with all their posts (prefetched)`,
    runs: [30, 5],
    warmup: [20, 3],
    backends: ['sqlite', 'postgres'],
    target: { sqlite: 1.3, postgres: 1.1 },
  },
  {
    id: 'W3',
    title: `W1 as a naive loop: ${FETCH.toLocaleString('en')} posts, then each author lazily (N+1)`,
    runs: [10, 2],
    warmup: [5, 1],
    backends: ['sqlite', 'postgres'],
  },
  {
    id: 'W4',
    title: 'sequential get by primary key',
    runs: [10, 3],
    warmup: [4, 1],
    backends: ['sqlite', 'postgres'],
    target: { sqlite: 1.1, postgres: 1.1 },
  },
  {
    id: 'W5',
    title: `${PAGES} filtered pages: published, title icontains, newest 20`,
    runs: [15, 3],
    warmup: [5, 1],
    backends: ['sqlite', 'postgres'],
    target: { sqlite: 1.3, postgres: 1.1 },
  },
  {
    id: 'W6',
    title: 'bulk insert',
    runs: [0, 0],
    warmup: [0, 0],
    backends: [],
    notBuilt: 'bulkCreate landed in main as this run ended; quarry vs raw: `npm run bench:bulk`',
  },
  {
    id: 'W7',
    title: 'bulk update',
    runs: [0, 0],
    warmup: [0, 0],
    backends: [],
    notBuilt: 'bulkUpdate landed in main as this run ended; quarry vs raw: `npm run bench:bulk`',
  },
  {
    id: 'W8',
    title: 'deep pagination',
    runs: [0, 0],
    warmup: [0, 0],
    backends: [],
    notBuilt: 'keyset pagination landed in main as this run ended; quarry vs raw: `npm run bench:bulk`',
  },
  {
    id: 'W9',
    title: 'cached query',
    runs: [0, 0],
    warmup: [0, 0],
    backends: [],
    notBuilt: '.cache() landed in main as this run ended; quarry alone: bench/cache/w9.ts',
  },
  {
    id: 'W10',
    title: 'cached page',
    runs: [0, 0],
    warmup: [0, 0],
    backends: [],
    notBuilt: 'cachePage landed in main as this run ended; quarry vs frameworks: bench/cache/w10.ts',
  },
  {
    id: 'W11',
    title: 'stream every post; time and peak RSS',
    runs: [3, 1],
    warmup: [1, 0],
    backends: ['sqlite', 'postgres'],
  },
  {
    id: 'W12',
    title: `${CONCURRENT} concurrent W5 pages ×${CONCURRENT_ROUNDS}`,
    runs: [10, 2],
    warmup: [3, 1],
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
