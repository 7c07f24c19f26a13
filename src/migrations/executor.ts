import type { Backend, Lease } from '../backends/backend.ts'
import { MigrationError, QuarryError } from '../errors.ts'
import { sql } from '../sql/sql-tag.ts'
import { MigrationGraph, type MigrationNode } from './graph.ts'
import { loadMigrations } from './loader.ts'
import type { MigrationDb } from './migration-db.ts'
import { migrationSteps, type OperationSteps, type Step } from './plan.ts'
import { MigrationRecorder } from './recorder.ts'

export interface MigrateOptions {
  /** The migrations folder. */
  dir: string
  /** A migration name (or unique prefix) to migrate to, forwards or backwards; `'zero'` unapplies everything. */
  target?: string | undefined
  /** Database alias (default `'default'`). */
  database?: string | undefined
  /** Record (or unrecord) without running anything. */
  fake?: boolean | undefined
  /** PostgreSQL: `lock_timeout` for each DDL transaction, in ms (default 5000). */
  lockTimeoutMs?: number | undefined
  /** PostgreSQL: attempts when a migration cannot get its locks in time (default 4, with back-off). */
  lockAttempts?: number | undefined
  /** Longest wait for another process's migrate to finish, in ms (default 120 000). */
  lockWaitMs?: number | undefined
  /** Progress lines (`Applying 0002_add_slug... OK`). */
  log?: ((line: string) => void) | undefined
}

export interface PlannedMigration {
  name: string
  file: string
  backwards: boolean
  operations: OperationSteps[]
}

/** What `migrate` would do: the migrations to apply or unapply, in order, each with its statements. */
export async function planMigrate(db: MigrationDb, options: MigrateOptions): Promise<PlannedMigration[]> {
  const alias = options.database ?? 'default'
  const applied = await new MigrationRecorder(db, alias).applied()
  const graph = new MigrationGraph(await loadMigrations(options.dir), applied)
  return computePlan(db.executor.backend(alias), graph, applied, options.target)
}

function computePlan(
  backend: Backend,
  graph: MigrationGraph,
  applied: ReadonlySet<string>,
  target: string | undefined,
): PlannedMigration[] {
  // A squashed migration counts as applied once everything it replaces is.
  const done = (n: string) => {
    const r = graph.node(n).migration.replaces ?? []
    return applied.has(n) || (r.length > 0 && r.every((x) => applied.has(x)))
  }
  let names: { name: string; backwards: boolean }[]
  if (target === undefined) {
    graph.assertNoConflicts()
    names = graph
      .all()
      .filter((n) => !done(n))
      .map((name) => ({ name, backwards: false }))
  } else if (target === 'zero') {
    names = graph
      .all()
      .reverse()
      .filter((n) => done(n))
      .map((name) => ({ name, backwards: true }))
  } else {
    const t = graph.resolve(target)
    const after = graph.descendants(t)
    const undo = graph
      .all()
      .reverse()
      .filter((n) => after.has(n) && done(n))
    const todo = graph.forwardsPlan([t]).filter((n) => !done(n))
    names = [...undo.map((name) => ({ name, backwards: true })), ...todo.map((name) => ({ name, backwards: false }))]
  }
  // Every migration's statements are computed before anything runs: an irreversible step stops the plan here.
  return names.map(({ name, backwards }) => {
    const node = graph.node(name)
    return { name, file: node.file, backwards, operations: migrationSteps(backend, graph, node, backwards) }
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const LOCK_KEY = 'quarry_migrations'

/**
 * Apply (or unapply) migrations. Takes a lock per database first (advisory lock on PostgreSQL, `GET_LOCK` on
 * MySQL, a write transaction on SQLite), then reads what is applied: two processes started together apply each
 * migration once. Returns the migrations it ran.
 */
export async function migrate(db: MigrationDb, options: MigrateOptions): Promise<PlannedMigration[]> {
  const alias = options.database ?? 'default'
  const backend = db.executor.backend(alias)
  const recorder = new MigrationRecorder(db, alias)
  const loaded = await loadMigrations(options.dir)
  const log = options.log ?? (() => {})
  // Before the lock: another process may be creating the table, or (SQLite) hold the write lock while it migrates.
  const deadline = Date.now() + (options.lockWaitMs ?? 120_000)
  for (;;) {
    try {
      await recorder.ensureTable().catch(async (e) => {
        if (!(await recorder.hasTable())) throw e
      })
      break
    } catch (e) {
      if (!isBusy(e)) throw e
      if (Date.now() >= deadline) throw lockTimeout(options)
      await sleep(200)
    }
  }
  const run = async (): Promise<PlannedMigration[]> => {
    const applied = await recorder.applied()
    const graph = new MigrationGraph(loaded, applied)
    const plan = computePlan(backend, graph, applied, options.target)
    if (plan.length === 0) log('No migrations to apply.')
    for (const m of plan) {
      const started = performance.now()
      const node = graph.node(m.name)
      await runMigration(db, alias, graph, node, m, recorder, options)
      log(
        `${m.backwards ? 'Unapplying' : 'Applying'} ${m.name}... ${options.fake ? 'FAKED' : 'OK'} (${Math.round(performance.now() - started)} ms)`,
      )
    }
    return plan
  }
  if (backend.vendor === 'sqlite') return sqliteLocked(db, alias, options, run)
  return serverLocked(backend, options, run)
}

/** SQLite: the whole run in one write transaction (the lock); each migration a savepoint inside it. */
async function sqliteLocked<T>(
  db: MigrationDb,
  alias: string,
  options: MigrateOptions,
  run: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + (options.lockWaitMs ?? 120_000)
  // Table rebuilds drop and rename tables: foreign keys are checked by foreign_key_check instead (SQLite's own
  // recipe); the pragma has no effect inside a transaction, so it is set around it.
  await db.executor.exec(alias, 'PRAGMA foreign_keys = OFF', 'ddl')
  try {
    for (;;) {
      let failure: unknown
      let result: T | undefined
      try {
        result = await db.executor.atomic(alias, async () => {
          // The first statement writes, so this transaction holds SQLite's write lock from here on.
          await db.executor.exec(alias, `DELETE FROM ${db.executor.backend(alias).ops.quote(LOCK_KEY)} WHERE 0`, 'ddl')
          try {
            return await run()
          } catch (e) {
            // Migrations that completed stay applied: the failed one was rolled back to its savepoint.
            failure = e
            return undefined
          }
        })
      } catch (e) {
        if (isBusy(e) && Date.now() < deadline) {
          await sleep(200)
          continue
        }
        if (isBusy(e)) throw lockTimeout(options)
        throw e
      }
      if (failure) throw failure
      return result as T
    }
  } finally {
    await db.executor.exec(alias, 'PRAGMA foreign_keys = ON', 'ddl')
  }
}

const isBusy = (e: unknown) =>
  /SQLITE_BUSY|database is locked/i.test(
    `${(e as Error)?.message} ${String((e as { vendorCode?: unknown })?.vendorCode)}`,
  )

function lockTimeout(options: MigrateOptions): MigrationError {
  return new MigrationError(
    'MIGRATION_LOCK_TIMEOUT',
    `Another migrate held the migration lock for more than ${Math.round((options.lockWaitMs ?? 120_000) / 1000)} s. Wait for it to finish, then run migrate again.`,
  )
}

/** PostgreSQL / MySQL: a session lock on a connection of its own, held for the whole run. */
async function serverLocked<T>(backend: Backend, options: MigrateOptions, run: () => Promise<T>): Promise<T> {
  let lease: Lease
  try {
    lease = await backend.acquire()
  } catch (e) {
    throw backend.translateError(e, undefined)
  }
  const pg = backend.vendor === 'postgres'
  const deadline = Date.now() + (options.lockWaitMs ?? 120_000)
  let broken = false
  try {
    for (;;) {
      const rows = pg
        ? await lease.conn.rows('SELECT pg_try_advisory_lock(hashtext($1))', [LOCK_KEY])
        : await lease.conn.rows('SELECT GET_LOCK(?, 1)', [LOCK_KEY])
      const got = rows[0]?.[0]
      if (got === true || Number(got) === 1) break
      if (Date.now() >= deadline) throw lockTimeout(options)
      await sleep(pg ? 250 : 0)
    }
    try {
      return await run()
    } finally {
      await Promise.resolve(
        pg
          ? lease.conn.rows('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY])
          : lease.conn.rows('SELECT RELEASE_LOCK(?)', [LOCK_KEY]),
      ).catch(() => {
        broken = true
      })
    }
  } catch (e) {
    if (!(e instanceof QuarryError)) {
      broken = true
      throw backend.translateError(e, undefined)
    }
    throw e
  } finally {
    lease.release(broken)
  }
}

/** Consecutive steps that run together: in one transaction, or (CONCURRENTLY) each on its own. */
interface Segment {
  inside: boolean
  steps: Step[]
  /** Index of the last operation with a step in this segment. */
  lastOp: number
}

function segments(plan: PlannedMigration, transactional: boolean): Segment[] {
  // Without transactional DDL (MySQL) the statements simply run in order.
  if (!transactional)
    return [{ inside: false, steps: plan.operations.flatMap((o) => o.steps), lastOp: plan.operations.length - 1 }]
  const out: Segment[] = []
  plan.operations.forEach((o, op) => {
    for (const s of o.steps) {
      const inside = !(s.kind === 'sql' && s.outside)
      const last = out[out.length - 1]
      if (last?.inside && inside) {
        last.steps.push(s)
        last.lastOp = op
      } else out.push({ inside, steps: [s], lastOp: op })
    }
  })
  if (out.length === 0) out.push({ inside: transactional, steps: [], lastOp: plan.operations.length - 1 })
  return out
}

/** `CREATE INDEX CONCURRENTLY` that fails leaves an invalid index behind: its name, to drop it. */
const concurrentIndex = (s: Step) =>
  s.kind === 'sql' ? /^CREATE (?:UNIQUE )?INDEX CONCURRENTLY ("(?:[^"]|"")+")/.exec(s.sql)?.[1] : undefined

/**
 * After a later part of a migration failed (a CONCURRENTLY index), undo the operations earlier parts committed, so
 * the migration is either applied or not. Returns what to tell the user.
 */
async function undoCommitted(
  db: MigrationDb,
  alias: string,
  graph: MigrationGraph,
  node: MigrationNode,
  plan: PlannedMigration,
  committedOps: number,
): Promise<string> {
  if (committedOps <= 0) return ' Nothing of this migration was applied.'
  try {
    const backend = db.executor.backend(alias)
    const undo = migrationSteps(backend, graph, node, !plan.backwards).slice(plan.operations.length - committedOps)
    const steps = undo.flatMap((o) => o.steps)
    await db.executor.atomic(alias, async () => {
      for (const s of steps) if (!(s.kind === 'sql' && s.outside)) await runStep(db, alias, s, true)
    })
    for (const s of steps) if (s.kind === 'sql' && s.outside) await runStep(db, alias, s, false)
    return ` Operations 1-${committedOps}, committed before it, were undone: nothing of this migration is applied.`
  } catch (e) {
    return ` Operations 1-${committedOps} were committed before it and could not be undone (${(e as Error).message}); the migration is not recorded.`
  }
}

async function runMigration(
  db: MigrationDb,
  alias: string,
  graph: MigrationGraph,
  node: MigrationNode,
  plan: PlannedMigration,
  recorder: MigrationRecorder,
  options: MigrateOptions,
): Promise<void> {
  const backend = db.executor.backend(alias)
  // A squashed migration is recorded with the ones it replaces, so either set of files sees it applied.
  const names = [plan.name, ...(node.migration.replaces ?? [])]
  const record = async () => {
    for (const n of names) await (plan.backwards ? recorder.unrecord(n) : recorder.record(n))
  }
  if (options.fake) return record()
  const transactional = backend.features.supportsTransactionalDdl && node.migration.atomic !== false
  const segs = segments(plan, transactional)
  const pg = backend.vendor === 'postgres'
  const timeout = options.lockTimeoutMs ?? 5000
  const attempts = Math.max(1, options.lockAttempts ?? 4)
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!
    const last = i === segs.length - 1
    let ran = 0
    const body = async () => {
      ran = 0
      // SET LOCAL ends with the transaction; a statement that waits longer for its lock fails instead of queueing
      // every other query on the table behind it.
      if (pg && seg.inside) await db.executor.exec(alias, `SET LOCAL lock_timeout = '${Math.round(timeout)}ms'`, 'ddl')
      for (const s of seg.steps) {
        await runStep(db, alias, s, seg.inside)
        ran++
      }
      if (seg.inside && backend.vendor === 'sqlite') await foreignKeyCheck(db, alias, node)
      if (last) await record()
    }
    for (let attempt = 1; ; attempt++) {
      try {
        if (seg.inside) await db.executor.atomic(alias, body)
        else await body()
        break
      } catch (e) {
        const lockFailed = pg && (e as { vendorCode?: unknown }).vendorCode === '55P03'
        if (lockFailed && i === 0 && attempt < attempts) {
          options.log?.(
            `  ${plan.name}: could not get a lock within ${timeout} ms, retrying (${attempt}/${attempts - 1})`,
          )
          await sleep(Math.min(10_000, 250 * 2 ** attempt))
          continue
        }
        const invalid = !seg.inside ? concurrentIndex(seg.steps[ran]!) : undefined
        if (invalid)
          await db.executor.exec(alias, `DROP INDEX CONCURRENTLY IF EXISTS ${invalid}`, 'ddl').catch(() => {})
        const applied = !transactional
          ? ran === 0
            ? ' Nothing of this migration was applied.'
            : ` ${ran} of ${seg.steps.length} statements had run: ${backend.vendor} cannot roll back DDL, so undo them by hand or fix the cause and apply the rest (sqlmigrate shows them).`
          : await undoCommitted(db, alias, graph, node, plan, i === 0 ? 0 : segs[i - 1]!.lastOp + 1)
        if (lockFailed)
          throw new MigrationError(
            'MIGRATION_LOCK_TIMEOUT',
            `${node.file}: gave up after ${attempt} attempt(s): a statement could not get its lock within lock_timeout (${timeout} ms).${applied} A long query or transaction holds the table (see pg_stat_activity); run migrate again when it ends.`,
            { cause: e },
          )
        throw new MigrationError('MIGRATION_FAILED', `${node.file} failed: ${(e as Error).message}.${applied}`, {
          cause: e,
        })
      }
    }
  }
}

async function runStep(db: MigrationDb, alias: string, s: Step, inTransaction: boolean): Promise<void> {
  if (s.kind === 'code') {
    const hdb = db.withSchema(s.state.toSchema())
    // Data migrations outside a transactional migration still run atomically on their own.
    if (inTransaction) await s.code(hdb)
    else await db.executor.atomic(alias, () => s.code(hdb))
    return
  }
  if (s.fragment) await db.execute(s.fragment, { using: alias })
  else await db.executor.exec(alias, s.sql, 'ddl')
}

async function foreignKeyCheck(db: MigrationDb, alias: string, node: MigrationNode): Promise<void> {
  const bad = await db.query<{ table: string; parent: string }>(sql`PRAGMA foreign_key_check`, { using: alias })
  if (bad.length)
    throw new MigrationError(
      'MIGRATION_FAILED',
      `${node.file} leaves rows whose foreign keys point nowhere (${[...new Set(bad.map((b) => `${b.table} -> ${b.parent}`))].join(', ')}). Fix the data in a runCode step first.`,
    )
}

/**
 * The statements `migrate` runs for one planned migration, as SQL text: transaction control, the PostgreSQL
 * `lock_timeout`, each operation's statements, and what runs outside a transaction. `sqlmigrate` prints this.
 */
export function renderMigrationSql(
  backend: Backend,
  plan: PlannedMigration,
  node: MigrationNode,
  options: Pick<MigrateOptions, 'lockTimeoutMs'> = {},
): string {
  const transactional = backend.features.supportsTransactionalDdl && node.migration.atomic !== false
  const lines: string[] = [`-- ${plan.name} (${plan.backwards ? 'backwards' : 'forwards'}) on ${backend.vendor}`]
  const sqlite = backend.vendor === 'sqlite'
  // SQLite: migrate runs every pending migration in one write transaction (its lock), each in a savepoint, with
  // foreign keys off around it for table rebuilds and checked before commit. Shown here for this migration alone.
  if (sqlite) lines.push('PRAGMA foreign_keys = OFF;')
  let open = false
  const close = () => {
    if (open) {
      if (sqlite) lines.push('PRAGMA foreign_key_check;')
      lines.push('COMMIT;')
    }
    open = false
  }
  for (const o of plan.operations) {
    const first = o.steps[0]
    if (first && first.kind === 'sql' && first.outside) close()
    lines.push(`--\n-- ${o.description}\n--`)
    if (o.steps.length === 0) lines.push('-- (no SQL)')
    for (const s of o.steps) {
      const inside = transactional && !(s.kind === 'sql' && s.outside)
      if (inside && !open) {
        lines.push(`${backend.ops.beginTransaction()};`)
        if (backend.vendor === 'postgres')
          lines.push(`SET LOCAL lock_timeout = '${Math.round(options.lockTimeoutMs ?? 5000)}ms';`)
        open = true
      }
      if (!inside) {
        close()
        if (s.kind === 'sql' && s.outside) lines.push('-- outside a transaction: builds without blocking writes')
      }
      if (s.kind === 'code') lines.push('-- runCode: a data migration (JavaScript, no SQL to show)')
      else lines.push(`${s.sql};${s.params.length ? ` -- ${s.params.length} bound value(s)` : ''}`)
    }
  }
  close()
  if (sqlite) lines.push('PRAGMA foreign_keys = ON;')
  return lines.join('\n')
}
