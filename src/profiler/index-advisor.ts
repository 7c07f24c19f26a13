import { InvalidValueError } from '../errors.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import { type ExistingIndex, type IndexColumn, indexBody, type Plan, probeFor, type TrialIndex } from './plan-probes.ts'
import type { ProfiledDatabase } from './profiled-database.ts'
import { shapeKey } from './reports.ts'
import { sqlRunner } from './sql-runner.ts'
import { parseSelect, type SelectShape } from './statement-shape.ts'
import { readStore, type StoredShape } from './store.ts'

export interface AdviseOptions {
  /** The profiler's store (`.quarry/profile.jsonl`); or pass `shapes`. */
  from?: string
  shapes?: Iterable<StoredShape> | AsyncIterable<StoredShape>
  /** Database alias to check against (`default`). */
  database?: string
  /** A shape is considered when it ran at least this often… (5) */
  minCalls?: number
  /** …or once took at least this long (100 ms). */
  slowMs?: number
  /** Shapes examined, slowest in total first (50). */
  maxShapes?: number
}

/** A recorded query shape, summed over the store. */
export interface ShapeUse {
  readonly sql: string
  calls: number
  totalMs: number
  maxMs: number
  readonly sites: Set<string>
}

export interface IndexProposal {
  readonly model: string | undefined
  readonly table: string
  readonly columns: readonly IndexColumn[]
  /** Columns a partial index requires to be NULL (the query's constant `IS NULL` filters), where supported. */
  readonly whereNull: readonly string[]
  /** The line for the model's options, so `makemigrations` picks it up: `indexes: [index(['author', '-createdAt'])]`. */
  readonly modelLine: string
  /** The same index by hand, for a database without migrations. */
  readonly ddl: string
  readonly queries: ShapeUse[]
  readonly planBefore: string
  readonly planAfter: string
  readonly gain: string
}

export interface Advice {
  /** How proposals were checked on this database. */
  readonly method: string
  readonly proposals: IndexProposal[]
  /** Shapes whose plan already uses an index without scanning or sorting. */
  readonly served: { sql: string; indexes: string[] }[]
  /** Shapes that need help an index of this kind cannot give (or the planner would not use it). */
  readonly unhelped: { sql: string; reason: string }[]
  /** Non-unique indexes on the recorded tables that no recorded query's plan used. */
  readonly unusedIndexes: ExistingIndex[]
  /** Indexes whose columns are a leading prefix of another index (the longer one serves their queries too). */
  readonly redundantIndexes: { index: ExistingIndex; coveredBy: ExistingIndex }[]
}

/**
 * Index advice from recorded query shapes (API.md §8): for the slow and frequent SELECTs, an index serving the
 * filter AND the ORDER BY / LIMIT (equality columns first, then the sort columns with their directions, or the
 * range column), kept only when the database's own planner uses it and stops scanning or sorting.
 *
 * @example
 * const advice = await advise(db, { from: '.quarry/profile.jsonl', minCalls: 5 })
 * console.log(formatAdvice(advice))
 */
export async function advise(db: ProfiledDatabase, options: AdviseOptions = {}): Promise<Advice> {
  const alias = options.database ?? 'default'
  const runner = sqlRunner(db, alias)
  const minCalls = options.minCalls ?? 5
  const slowMs = options.slowMs ?? 100
  const source = options.shapes ?? (options.from ? readStore(options.from) : undefined)
  if (!source) throw new InvalidValueError('advise() needs { from: <store file> } or { shapes }.')
  const all = new Map<string, ShapeUse>()
  for await (const s of source as AsyncIterable<StoredShape>) {
    if (s.kind !== 'select' || s.vendor !== runner.vendor || (s.alias ?? 'default') !== alias) continue
    const key = shapeKey(s.sql)
    let use = all.get(key)
    if (!use) all.set(key, (use = { sql: s.sql, calls: 0, totalMs: 0, maxMs: 0, sites: new Set() }))
    use.calls += s.calls
    use.totalMs += s.totalMs
    use.maxMs = Math.max(use.maxMs, s.maxMs)
    for (const site of s.sites ?? []) if (use.sites.size < 5) use.sites.add(site)
  }
  const uses = [...all.values()].sort((a, b) => b.totalMs - a.totalMs)
  const candidates = uses.filter((u) => u.calls >= minCalls || u.maxMs >= slowMs).slice(0, options.maxShapes ?? 50)
  const probe = await probeFor(runner)
  const metas = new Map(db.schema.models().map((m) => [m.table, m]))
  const advice: Advice = {
    method: probe.method,
    proposals: [],
    served: [],
    unhelped: [],
    unusedIndexes: [],
    redundantIndexes: [],
  }
  try {
    const used = new Set<string>()
    const tables = new Set<string>()
    const byIndex = new Map<string, IndexProposal>()
    for (const use of uses.slice(0, 200)) {
      const shape = parseSelect(use.sql)
      if (!shape) continue
      tables.add(shape.table)
      const before = await probe.explain(use.sql, shape).catch(() => undefined)
      for (const i of before?.indexes ?? []) used.add(i)
      if (!before || !candidates.includes(use)) continue
      if (!before.needsIndex) {
        advice.served.push({ sql: use.sql, indexes: before.indexes })
        continue
      }
      const columns = proposedColumns(shape)
      // A constant predicate of the query (`closed_at IS NULL`) makes a partial index: smaller, and only the rows
      // the query can want. Bound values are never recorded, so `IS NULL` is the one constant the store can see.
      const whereNull = runner.supportsPartialIndexes
        ? shape.nulls.filter((c) => !columns.some((x) => x.column === c))
        : []
      const trial: TrialIndex = { columns, whereNull }
      if (!columns.length) {
        advice.unhelped.push({
          sql: use.sql,
          reason: 'no condition or ordering on its own table for an index to serve',
        })
        continue
      }
      const key = `${shape.table} ${indexBody(trial, (c) => c)}`
      const known = byIndex.get(key)
      if (known) {
        known.queries.push(use)
        continue
      }
      const after = await probe.withIndex(use.sql, shape, trial)
      if (after.needsIndex || !after.indexes.some((i) => after.trial.test(i))) {
        advice.unhelped.push({ sql: use.sql, reason: `the planner would not use ${key} instead` })
        continue
      }
      const proposal: IndexProposal = {
        model: metas.get(shape.table)?.name,
        table: shape.table,
        columns,
        whereNull,
        modelLine: modelLine(metas.get(shape.table), trial),
        ddl: ddl(runner.vendor, shape.table, trial),
        queries: [use],
        planBefore: before.text,
        planAfter: after.text.replace(/"?<\d+>btree_[^"\s]+"?/g, (m) => `${m} (hypothetical)`),
        gain: gain(before, after),
      }
      byIndex.set(key, proposal)
      advice.proposals.push(proposal)
    }
    for (const table of tables) {
      const existing = await probe.indexes(table)
      for (const i of existing) if (!i.unique && !used.has(i.name)) advice.unusedIndexes.push(i)
      for (const i of existing) {
        if (i.unique || i.partial) continue
        const wider = existing.find(
          (o) =>
            o !== i &&
            !o.partial &&
            o.columns.length > i.columns.length &&
            i.columns.every((c, n) => o.columns[n]?.column === c.column && o.columns[n]?.desc === c.desc),
        )
        if (wider) advice.redundantIndexes.push({ index: i, coveredBy: wider })
      }
    }
  } finally {
    await probe.close()
  }
  return advice
}

/**
 * Equality columns first (any order serves them; kept as written), then the ORDER BY columns with their
 * directions — so the index returns rows already sorted and a LIMIT stops early — or, with no ordering, the first
 * range column. Directions are the ORDER BY's, so a mixed ordering (`-createdAt`, `title`) is served too.
 */
export function proposedColumns(shape: SelectShape): IndexColumn[] {
  const out: IndexColumn[] = shape.equality.map((column) => ({ column, desc: false }))
  const order = shape.order.filter((o) => !shape.equality.includes(o.column))
  if (order.length) {
    for (const o of order) out.push({ column: o.column, desc: o.desc })
  } else if (shape.range[0] !== undefined && !shape.equality.includes(shape.range[0])) {
    out.push({ column: shape.range[0], desc: false })
  }
  return out
}

function modelLine(meta: ModelMeta | undefined, index: TrialIndex): string {
  const name = (column: string) => meta?.concreteFields.find((f) => f.column === column)?.name ?? column
  const names = index.columns.map((c) => `'${c.desc ? '-' : ''}${name(c.column)}'`)
  const where = index.whereNull.length
    ? `, { where: { ${index.whereNull.map((c) => `${name(c)}: null`).join(', ')} } }`
    : ''
  return `indexes: [index([${names.join(', ')}]${where})]`
}

function ddl(vendor: string, table: string, index: TrialIndex): string {
  const quote = vendor === 'mysql' ? (s: string) => `\`${s}\`` : (s: string) => `"${s}"`
  const suffix = index.whereNull.length ? '_pidx' : '_idx'
  const name = `${table}_${index.columns.map((c) => c.column).join('_')}`.slice(0, 63 - suffix.length) + suffix
  return `CREATE INDEX ${quote(name)} ON ${quote(table)} ${indexBody(index, quote)}`
}

function gain(before: Plan, after: Plan): string {
  if (before.cost !== undefined && after.cost !== undefined && after.cost > 0) {
    const ratio = before.cost / after.cost
    return `planner estimate ${fmt(before.cost)} → ${fmt(after.cost)} (${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× less)`
  }
  const was = [
    /SCAN|Seq Scan|type=ALL/.test(before.text) ? 'full scan' : '',
    /TEMP B-TREE|Sort|filesort/.test(before.text) ? 'sort' : '',
  ]
    .filter(Boolean)
    .join(' + ')
  return `${was || 'scan'} → index search in order`
}

function fmt(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(2)
}

/** The advice as the `quarry advise` command prints it. */
export function formatAdvice(a: Advice): string {
  const out: string[] = [`Checked with: ${a.method}.`, '']
  if (!a.proposals.length)
    out.push('No index to add: every slow or frequent query shape is served, or no index would help.')
  a.proposals.forEach((p, i) => {
    out.push(`${i + 1}. ${p.model ?? p.table}: add  ${p.modelLine}`)
    out.push(`   (by hand: ${p.ddl})`)
    out.push(`   gain: ${p.gain}`)
    for (const q of p.queries)
      out.push(
        `   serves (${q.calls} calls, ${q.totalMs.toFixed(1)} ms recorded${q.sites.size ? ` at ${[...q.sites].join(', ')}` : ''}):`,
        `     ${q.sql}`,
      )
    out.push('   plan before:', indent(p.planBefore), '   plan after:', indent(p.planAfter), '')
  })
  if (a.served.length) out.push(`${a.served.length} query shape(s) already served by an index.`)
  for (const u of a.unhelped) out.push(`Not helped by an index: ${u.reason}:`, `  ${u.sql}`)
  if (a.unusedIndexes.length) {
    out.push('', 'Indexes no recorded query used (check writes and constraints before dropping):')
    for (const i of a.unusedIndexes) out.push(`  ${i.table}.${i.name} (${i.columns.map((c) => c.column).join(', ')})`)
  }
  if (a.redundantIndexes.length) {
    out.push('', 'Redundant indexes (a leading prefix of another):')
    for (const r of a.redundantIndexes) out.push(`  ${r.index.table}.${r.index.name} is covered by ${r.coveredBy.name}`)
  }
  return out.join('\n')
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `     ${l}`)
    .join('\n')
}
