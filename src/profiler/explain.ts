import { StateError } from '../errors.ts'
import type { SqlRunner } from './sql-runner.ts'

let prepared = 0

/**
 * The plan of a recorded statement, as text that names no value.
 *
 * - SQLite: `EXPLAIN QUERY PLAN` (its text shows `?`, never values; the plan does not depend on them).
 * - PostgreSQL: the generic plan (`PREPARE` + `plan_cache_mode = force_generic_plan` + `EXPLAIN EXECUTE` with
 *   NULLs), which shows `$1` where a custom plan would print the value — and needs no values at all.
 * - MySQL/MariaDB: tabular `EXPLAIN` with the live values (a NULL would plan "Impossible WHERE"); its columns
 *   show `const`, not the values.
 * Then, belt and braces, any string value of `params` still in the text is replaced by `?`.
 */
export async function explainStatement(
  runner: SqlRunner,
  sql: string,
  params: readonly unknown[] | undefined,
  count: number,
): Promise<string> {
  let text: string
  if (runner.vendor === 'postgres') text = await postgresGenericPlan(runner, sql, count)
  else if (runner.vendor === 'sqlite') {
    const rows = await runner.rows(`EXPLAIN QUERY PLAN ${sql}`, params ?? new Array(count).fill(null))
    text = sqlitePlan(rows)
  } else {
    if (!params)
      throw new StateError(
        'EXPLAIN_NO_VALUES',
        'The values of this statement are no longer in memory (MySQL/MariaDB plan with the live values). Open a newer request.',
      )
    const rows = await runner.rows(`EXPLAIN ${sql}`, params)
    text = mysqlPlan(rows)
  }
  return redact(text, params)
}

function postgresGenericPlan(runner: SqlRunner, sql: string, count: number): Promise<string> {
  return runner.rolledBack(() => postgresPlanInTransaction(runner, sql, count))
}

/** The generic plan, on the connection of the transaction open around the call (so `SET LOCAL` stays in it). */
export async function postgresPlanInTransaction(runner: SqlRunner, sql: string, count: number): Promise<string> {
  const name = `quarry_explain_${process.pid}_${++prepared}`
  await runner.exec('SET LOCAL plan_cache_mode = force_generic_plan')
  await runner.exec(`PREPARE ${name} AS ${sql}`)
  try {
    const args = count ? `(${new Array(count).fill('NULL').join(', ')})` : ''
    const rows = await runner.rows(`EXPLAIN EXECUTE ${name}${args}`)
    return rows.map((r) => String(r[0])).join('\n')
  } finally {
    await runner.exec(`DEALLOCATE ${name}`)
  }
}

/** `EXPLAIN QUERY PLAN` rows (id, parent, notused, detail), indented under their parents. */
export function sqlitePlan(rows: readonly unknown[][]): string {
  const depth = new Map<unknown, number>([[0, 0]])
  return rows
    .map((r) => {
      const d = (depth.get(r[1]) ?? 0) + 1
      depth.set(r[0], d)
      return `${'  '.repeat(d - 1)}${String(r[3])}`
    })
    .join('\n')
}

const MYSQL_COLUMNS = ['id', 'select_type', 'table', 'type', 'possible_keys', 'key', 'key_len', 'ref', 'rows', 'Extra']

/** Tabular EXPLAIN rows as `key=value` lines, one per table. */
export function mysqlPlan(rows: readonly unknown[][]): string {
  return rows
    .map((r) =>
      r
        .map((v, i) => (v === null || v === undefined ? '' : `${MYSQL_COLUMNS[i] ?? `c${i}`}=${String(v)}`))
        .filter(Boolean)
        .join(' '),
    )
    .join('\n')
}

function redact(text: string, params: readonly unknown[] | undefined): string {
  if (!params) return text
  let out = text
  for (const p of params) {
    const s = typeof p === 'string' ? p : p instanceof Date ? p.toISOString() : undefined
    if (s && s.length >= 3) out = out.split(s).join('?')
  }
  return out
}
