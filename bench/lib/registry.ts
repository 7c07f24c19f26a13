// Every system in the table, in the order the table lists them. Modules load lazily: a worker process imports
// only the system it measures.
import type { Backend } from './data.ts'
import type { SystemDef } from './system.ts'

export interface SystemEntry {
  readonly id: string
  readonly module: string
  readonly exportName: string
  readonly label: string
  /** One of the raw drivers; the first raw entry of a backend is the reference ("raw" in the ratios). */
  readonly raw?: boolean
  /** A quarry setting (ratios to the best peer are quarry's; the peer set excludes these). */
  readonly quarry?: boolean
  readonly backends: readonly Backend[]
  /** Runs only these workloads (a setting that matters for them alone). */
  readonly only?: readonly string[]
  /**
   * At most this many rounds in a full run: the slowest peers (their W3/W4/W6 runs take seconds each) run one,
   * so that the full run fits in its 45 minutes on the shared 2-core machine.
   */
  readonly rounds?: number
}

const both: Backend[] = ['sqlite', 'postgres']

export const SYSTEMS: readonly SystemEntry[] = [
  {
    id: 'raw-node-sqlite',
    module: 'raw-node-sqlite',
    exportName: 'system',
    label: 'raw node:sqlite',
    raw: true,
    backends: ['sqlite'],
  },
  {
    id: 'raw-postgres-js',
    module: 'raw-postgres-js',
    exportName: 'system',
    label: 'raw postgres.js',
    raw: true,
    backends: ['postgres'],
  },
  {
    id: 'raw-better-sqlite3',
    module: 'raw-better-sqlite3',
    exportName: 'system',
    label: 'raw better-sqlite3',
    raw: true,
    backends: ['sqlite'],
  },
  { id: 'raw-pg', module: 'raw-pg', exportName: 'system', label: 'raw pg', raw: true, backends: ['postgres'] },
  { id: 'quarry', module: 'quarry', exportName: 'system', label: 'quarry (defaults)', quarry: true, backends: both },
  {
    id: 'quarry-better-sqlite3',
    module: 'quarry-better-sqlite3',
    exportName: 'system',
    label: 'quarry (better-sqlite3)',
    quarry: true,
    backends: ['sqlite'],
    // The driver is what reads rows: the reads, and W8, whose offset page is the driver's SQLite stepping over 90,000
    // rows (node:sqlite's build takes longer than better-sqlite3's, raw or quarry alike). Writes and the cache are
    // quarry's own row on the default driver.
    only: ['W1', 'W2', 'W3', 'W4', 'W5', 'W8-offset', 'W8-keyset', 'W11'],
  },
  {
    id: 'quarry-n1-off',
    module: 'quarry',
    exportName: 'noDetector',
    label: "quarry, nPlusOne 'off'",
    quarry: true,
    backends: both,
    // The detector matters for reads of related rows; writes, pages and the cache would only repeat quarry's row.
    only: ['W1', 'W2', 'W3', 'W4', 'W5', 'W11', 'W12'],
  },
  {
    id: 'quarry-peers',
    module: 'quarry',
    exportName: 'peers',
    label: "quarry, fetchMode 'peers'",
    quarry: true,
    backends: both,
    only: ['W3'],
  },
  {
    id: 'drizzle-rqb',
    module: 'drizzle',
    exportName: 'queryApi',
    label: 'Drizzle (relational queries)',
    backends: both,
  },
  { id: 'drizzle-sql', module: 'drizzle', exportName: 'sqlApi', label: 'Drizzle (SQL-like)', backends: both },
  { id: 'kysely', module: 'kysely', exportName: 'system', label: 'Kysely', backends: both },
  { id: 'typeorm', module: 'typeorm', exportName: 'system', label: 'TypeORM', backends: both, rounds: 1 },
  { id: 'mikro-orm', module: 'mikro-orm', exportName: 'system', label: 'MikroORM', backends: both, rounds: 1 },
  { id: 'sequelize', module: 'sequelize', exportName: 'system', label: 'Sequelize', backends: both, rounds: 1 },
  { id: 'prisma', module: 'prisma', exportName: 'system', label: 'Prisma 7', backends: both, rounds: 1 },
]

export async function loadSystem(entry: SystemEntry): Promise<SystemDef> {
  const mod = (await import(`../systems/${entry.module}.ts`)) as Record<string, SystemDef>
  const def = mod[entry.exportName]
  if (!def) throw new Error(`systems/${entry.module}.ts exports no ${entry.exportName}`)
  return def
}
