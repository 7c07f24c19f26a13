import type { DatabaseSync } from 'node:sqlite'
import { mysqlPlan, postgresPlanInTransaction, sqlitePlan } from './explain.ts'
import type { SqlRunner } from './sql-runner.ts'
import type { SelectShape } from './statement-shape.ts'

/** A plan read for what the advisor needs: does it scan or sort where an index would not, which indexes, cost. */
export interface Plan {
  readonly text: string
  readonly needsIndex: boolean
  readonly indexes: string[]
  /** The planner's own estimate (PostgreSQL total cost, MariaDB rows examined); undefined on SQLite. */
  readonly cost: number | undefined
}

export interface IndexColumn {
  readonly column: string
  readonly desc: boolean
}

/** A trial index: its columns, and the columns a partial index requires to be NULL (`WHERE "c" IS NULL`). */
export interface TrialIndex {
  readonly columns: readonly IndexColumn[]
  readonly whereNull: readonly string[]
}

/** An existing index, as introspected. */
export interface ExistingIndex {
  readonly name: string
  readonly table: string
  readonly columns: IndexColumn[]
  readonly unique: boolean
  readonly partial: boolean
}

/** The database's own planner, asked about a statement with and without a trial index. */
export interface PlanProbe {
  readonly method: string
  explain(sql: string, shape: SelectShape): Promise<Plan>
  /** The plan with a trial index on `columns`, and the trial index's name as plans show it. */
  withIndex(sql: string, shape: SelectShape, index: TrialIndex): Promise<Plan & { trial: RegExp }>
  indexes(table: string): Promise<ExistingIndex[]>
  close(): Promise<void>
}

export async function probeFor(runner: SqlRunner): Promise<PlanProbe> {
  if (runner.vendor === 'sqlite') return SqliteProbe.open(runner)
  if (runner.vendor === 'postgres') return PostgresProbe.open(runner)
  return new MysqlProbe(runner)
}

const q = (id: string) => `"${id.replaceAll('"', '""')}"`
const bq = (id: string) => `\`${id.replaceAll('`', '``')}\``
const cols = (c: readonly IndexColumn[], quote: (s: string) => string) =>
  c.map((x) => `${quote(x.column)}${x.desc ? ' DESC' : ''}`).join(', ')
/** `("a", "b" DESC) WHERE "c" IS NULL` */
export const indexBody = (i: TrialIndex, quote: (s: string) => string) =>
  `(${cols(i.columns, quote)})${i.whereNull.length ? ` WHERE ${i.whereNull.map((c) => `${quote(c)} IS NULL`).join(' AND ')}` : ''}`

// ---- SQLite: a scratch copy of the schema (and its statistics) in memory -----------------------------------------

class SqliteProbe implements PlanProbe {
  readonly method = 'SQLite EXPLAIN QUERY PLAN on a scratch copy of the schema'
  readonly #runner: SqlRunner
  readonly #scratch: DatabaseSync
  #n = 0

  private constructor(runner: SqlRunner, scratch: DatabaseSync) {
    this.#runner = runner
    this.#scratch = scratch
  }

  static async open(runner: SqlRunner): Promise<SqliteProbe> {
    // Loaded here, as the SQLite backend does: advising a PostgreSQL or MySQL database needs no node:sqlite.
    const { DatabaseSync } = await import('node:sqlite')
    const scratch = new DatabaseSync(':memory:')
    const objects = await runner.objects(
      "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid",
    )
    for (const o of objects) scratch.exec(String(o.sql))
    // The planner's statistics, if the database has run ANALYZE: the scratch copy then plans like the real one.
    const stats = await runner
      .objects('SELECT tbl, idx, stat FROM sqlite_stat1')
      .catch(() => [] as Record<string, unknown>[])
    if (stats.length) {
      scratch.exec('ANALYZE')
      const insert = scratch.prepare('INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)')
      for (const s of stats) insert.run(s.tbl as string, s.idx as string | null, s.stat as string)
      scratch.exec('ANALYZE sqlite_schema')
    }
    return new SqliteProbe(runner, scratch)
  }

  async explain(sql: string, shape: SelectShape): Promise<Plan> {
    const rows = this.#scratch.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Record<string, unknown>[]
    const text = sqlitePlan(rows.map((r) => [r.id, r.parent, r.notused, r.detail]))
    const lines = text.split('\n').map((l) => l.trim())
    const root = lines.find((l) => new RegExp(`^(SCAN|SEARCH) ${shape.table}\\b`).test(l))
    const filtered = shape.equality.length + shape.range.length > 0
    const sorts = shape.order.length > 0 && lines.some((l) => /USE TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/.test(l))
    const scans = root?.startsWith('SCAN') === true && (filtered || !/USING (COVERING )?INDEX/.test(root))
    const indexes = [...text.matchAll(/USING (?:COVERING )?INDEX (\S+)/g)].map((m) => m[1]!)
    return { text, needsIndex: sorts || scans, indexes, cost: undefined }
  }

  async withIndex(sql: string, shape: SelectShape, index: TrialIndex) {
    const name = `quarry_advise_${++this.#n}`
    this.#scratch.exec(`CREATE INDEX ${q(name)} ON ${q(shape.table)} ${indexBody(index, q)}`)
    try {
      return { ...(await this.explain(sql, shape)), trial: new RegExp(`^${name}$`) }
    } finally {
      this.#scratch.exec(`DROP INDEX ${q(name)}`)
    }
  }

  async indexes(table: string): Promise<ExistingIndex[]> {
    const out: ExistingIndex[] = []
    for (const i of await this.#runner.objects(`SELECT * FROM pragma_index_list(?)`, [table])) {
      const name = String(i.name)
      const info = await this.#runner.objects('SELECT * FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno', [
        name,
      ])
      out.push({
        name,
        table,
        columns: info.map((c) => ({ column: String(c.name), desc: Number(c.desc) === 1 })),
        unique: Number(i.unique) === 1 || i.origin === 'pk',
        partial: Number(i.partial) === 1,
      })
    }
    return out
  }

  async close(): Promise<void> {
    this.#scratch.close()
  }
}

// ---- PostgreSQL: hypothetical indexes (HypoPG) where installed, else a real one in a rolled-back transaction ------

class PostgresProbe implements PlanProbe {
  readonly method: string
  readonly #runner: SqlRunner
  readonly #hypopg: boolean
  #n = 0

  private constructor(runner: SqlRunner, hypopg: boolean) {
    this.#runner = runner
    this.#hypopg = hypopg
    this.method = hypopg
      ? 'PostgreSQL generic plans with HypoPG hypothetical indexes'
      : 'PostgreSQL generic plans with a trial index in a rolled-back transaction (HypoPG not installed)'
  }

  static async open(runner: SqlRunner): Promise<PostgresProbe> {
    const rows = await runner.rows("SELECT 1 FROM pg_extension WHERE extname = 'hypopg'")
    return new PostgresProbe(runner, rows.length > 0)
  }

  async explain(sql: string, shape: SelectShape): Promise<Plan> {
    const text = await this.#runner.rolledBack(() => postgresPlanInTransaction(this.#runner, sql, count(sql)))
    return readPostgres(text, shape)
  }

  async withIndex(sql: string, shape: SelectShape, index: TrialIndex) {
    const name = `quarry_advise_${process.pid}_${++this.#n}`
    const text = await this.#runner.rolledBack(async () => {
      if (this.#hypopg) {
        await this.#runner.rows('SELECT * FROM hypopg_create_index($1)', [
          `CREATE INDEX ON ${q(shape.table)} ${indexBody(index, q)}`,
        ])
        try {
          return await postgresPlanInTransaction(this.#runner, sql, count(sql))
        } finally {
          await this.#runner.rows('SELECT hypopg_reset()')
        }
      }
      await this.#runner.exec(`CREATE INDEX ${q(name)} ON ${q(shape.table)} ${indexBody(index, q)}`)
      return postgresPlanInTransaction(this.#runner, sql, count(sql))
    })
    // HypoPG names its indexes `<oid>btree_table_columns`.
    return { ...readPostgres(text, shape), trial: this.#hypopg ? /^<\d+>btree_/ : new RegExp(`^${name}$`) }
  }

  async indexes(table: string): Promise<ExistingIndex[]> {
    const rows = await this.#runner.objects(
      `SELECT i.relname AS name, ix.indisunique AS uniq, ix.indisprimary AS pk, ix.indpred IS NOT NULL AS partial,
         ix.indoption::text AS options,
         array_to_string(array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS cols
       FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
       WHERE t.relname = $1 AND pg_table_is_visible(t.oid)`,
      [table],
    )
    return rows.map((r) => {
      const options = String(r.options ?? '').split(' ')
      return {
        name: String(r.name),
        table,
        columns: String(r.cols)
          .split(',')
          .map((column, i) => ({ column, desc: (Number(options[i] ?? 0) & 1) === 1 })),
        unique: Boolean(r.uniq) || Boolean(r.pk),
        partial: Boolean(r.partial),
      }
    })
  }

  async close(): Promise<void> {}
}

function readPostgres(text: string, shape: SelectShape): Plan {
  const seq = new RegExp(`Seq Scan on ${shape.table}\\b`).test(text)
  const sorts = shape.order.length > 0 && /(^|\s)Sort\s+\(cost/m.test(text) && !/Incremental Sort/.test(text)
  const indexes = [
    ...text.matchAll(/Index (?:Only )?Scan(?: Backward)? using (\S+) on/g),
    ...text.matchAll(/Bitmap Index Scan on (\S+)/g),
  ].map((m) => m[1]!.replace(/^"(.*)"$/, '$1'))
  const cost = /cost=[\d.]+\.\.([\d.]+)/.exec(text)
  return { text, needsIndex: seq || sorts, indexes, cost: cost ? Number(cost[1]) : undefined }
}

function count(sql: string): number {
  let max = 0
  for (const m of sql.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]))
  return max
}

// ---- MySQL / MariaDB: EXPLAIN on a scratch copy of the table, with and without a trial index ---------------------

class MysqlProbe implements PlanProbe {
  readonly method = 'MariaDB/MySQL EXPLAIN on a scratch copy of the table with a trial index'
  readonly #runner: SqlRunner
  /** table → scratch copy, made once per run. */
  readonly #scratch = new Map<string, Promise<{ name: string; sample: Record<string, unknown> }>>()
  #n = 0

  constructor(runner: SqlRunner) {
    this.#runner = runner
  }

  #copy(table: string) {
    let p = this.#scratch.get(table)
    if (!p) {
      p = (async () => {
        const name = `quarry_advise_${table}`.slice(0, 64)
        await this.#runner.exec(`DROP TABLE IF EXISTS ${bq(name)}`)
        await this.#runner.exec(`CREATE TABLE ${bq(name)} LIKE ${bq(table)}`)
        await this.#runner.exec(`INSERT INTO ${bq(name)} SELECT * FROM ${bq(table)} LIMIT 200000`)
        await this.#runner.rows(`ANALYZE TABLE ${bq(name)}`)
        const [sample] = await this.#runner.objects(`SELECT * FROM ${bq(name)} LIMIT 1`)
        return { name, sample: sample ?? {} }
      })()
      this.#scratch.set(table, p)
    }
    return p
  }

  async explain(sql: string, shape: SelectShape): Promise<Plan> {
    const { name, sample } = await this.#copy(shape.table)
    const rewritten = sql.replaceAll(bq(shape.table), bq(name))
    // A NULL would plan "Impossible WHERE": plan with a value of the scratch copy's first row, in memory only.
    const rows = await this.#runner.rows(`EXPLAIN ${rewritten}`, sampleValues(rewritten, sample))
    const text = mysqlPlan(rows)
    const root = rows.find((r) => r[2] === name)
    const extra = rows.map((r) => String(r[9] ?? '')).join(' ')
    const needsIndex = root?.[3] === 'ALL' || (shape.order.length > 0 && /Using filesort/.test(extra))
    const indexes = rows.map((r) => r[5]).filter((k): k is string => typeof k === 'string' && k !== '')
    const cost = rows.reduce<number>((n, r) => n * Math.max(1, Number(r[8] ?? 1)), 1)
    return { text: text.replaceAll(name, shape.table), needsIndex, indexes, cost }
  }

  async withIndex(sql: string, shape: SelectShape, index: TrialIndex) {
    const { name } = await this.#copy(shape.table)
    const idx = `quarry_advise_idx_${++this.#n}`
    await this.#runner.exec(`CREATE INDEX ${bq(idx)} ON ${bq(name)} (${cols(index.columns, bq)})`)
    try {
      return { ...(await this.explain(sql, shape)), trial: new RegExp(`^${idx}$`) }
    } finally {
      await this.#runner.exec(`DROP INDEX ${bq(idx)} ON ${bq(name)}`)
    }
  }

  async indexes(table: string): Promise<ExistingIndex[]> {
    const rows = await this.#runner.objects(
      `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col, COLLATION AS coll, SUB_PART AS sub
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
       ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
      [table],
    )
    const byName = new Map<string, ExistingIndex & { columns: IndexColumn[] }>()
    for (const r of rows) {
      const name = String(r.name)
      let i = byName.get(name)
      if (!i) byName.set(name, (i = { name, table, columns: [], unique: Number(r.nonUnique) === 0, partial: false }))
      i.columns.push({ column: String(r.col), desc: r.coll === 'D' })
    }
    return [...byName.values()]
  }

  async close(): Promise<void> {
    for (const p of this.#scratch.values()) {
      const { name } = await p.catch(() => ({ name: undefined }))
      if (name) await this.#runner.exec(`DROP TABLE IF EXISTS ${bq(name)}`)
    }
  }
}

/** A value for each `?`: the sample row's value of the column compared before it, 20 for LIMIT/OFFSET. */
function sampleValues(sql: string, sample: Record<string, unknown>): unknown[] {
  const out: unknown[] = []
  let from = 0
  for (let i = sql.indexOf('?'); i >= 0; i = sql.indexOf('?', i + 1)) {
    const before = sql.slice(from, i)
    from = i + 1
    const cols = [...before.matchAll(/`([^`]+)`/g)]
    if (/\b(LIMIT|OFFSET)\s*\(?\s*$/i.test(before)) out.push(20)
    else {
      const col = cols.at(-1)?.[1]
      out.push(col !== undefined && col in sample ? sample[col] : (out.at(-1) ?? 1))
    }
  }
  return out
}
