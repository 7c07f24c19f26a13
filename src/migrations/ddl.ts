import type { Backend } from '../backends/backend.ts'
import type { BaseSchemaEditor } from '../backends/base-schema-editor.ts'
import { dependencyOrder } from '../backends/base-schema-editor.ts'
import { NotSupportedError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import type { RelationField } from '../model/fields/relation-field.ts'
import type { IndexDef } from '../model/model.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import type { Schema } from '../model/schema.ts'
import type { CheckConstraint, ProjectState } from './state.ts'

/** One statement of a migration. `outside`: it cannot run in a transaction (`CREATE INDEX CONCURRENTLY`). */
export interface SqlStep {
  kind: 'sql'
  sql: string
  params: readonly unknown[]
  outside?: boolean
}

/** Renames an operation carries: to-side names → from-side names. */
export interface Renames {
  models: ReadonlyMap<string, string>
  /** Keyed by the to-side model name. */
  fields: ReadonlyMap<string, ReadonlyMap<string, string>>
}
export const noRenames: Renames = { models: new Map(), fields: new Map() }

export interface DiffOptions {
  /** Build and drop indexes without blocking writes where the database can (PostgreSQL). */
  concurrently?: boolean
}

interface Pair {
  from: ModelMeta
  to: ModelMeta
  /** to-side field name → from-side field name. */
  fields: ReadonlyMap<string, string>
  checks: [CheckConstraint[], CheckConstraint[]]
}

/**
 * The DDL that takes the database from the `from` state to the `to` state, when they differ by one operation.
 * Models are paired by name (through the renames); unpaired ones are created or dropped, paired ones altered.
 * Going backwards is the same call with the states swapped and the renames inverted.
 */
export function schemaDiff(
  backend: Backend,
  from: ProjectState,
  to: ProjectState,
  renames: Renames,
  options: DiffOptions = {},
): SqlStep[] {
  const fs = from.toSchema()
  const ts = to.toSchema()
  const editor = backend.schemaEditor
  const steps: SqlStep[] = []
  const sql = (s: string, outside = false) =>
    steps.push({ kind: 'sql', sql: s, params: [], ...(outside ? { outside } : {}) })

  const fromJoins = joinOwners(fs)
  const toJoins = joinOwners(ts)
  const pairs: Pair[] = []
  const pairedFrom = new Set<ModelMeta>()
  const pairedTo = new Set<ModelMeta>()
  for (const meta of ts.models()) {
    let counterpart: ModelMeta | undefined
    let fields = new Map<string, string>()
    if (!meta.autoCreated) {
      const old = renames.models.get(meta.name) ?? meta.name
      counterpart = fs.has(old) ? fs.get(old) : undefined
      if (counterpart?.autoCreated) counterpart = undefined
      fields = new Map(renames.fields.get(meta.name) ?? [])
    } else {
      const owner = toJoins.get(meta)!
      const oldOwner = renames.models.get(owner.model.name) ?? owner.model.name
      const oldField = renames.fields.get(owner.model.name)?.get(owner.name) ?? owner.name
      for (const [m, o] of fromJoins)
        if (
          o.model.name === oldOwner &&
          o.name === oldField &&
          o.targetMeta.name === (renames.models.get(owner.targetMeta.name) ?? owner.targetMeta.name)
        )
          counterpart = m
      if (counterpart) {
        const [ts0, td0] = [owner.throughSource!, owner.throughTarget!]
        const o = fromJoins.get(counterpart)!
        fields = new Map([
          [ts0.name, o.throughSource!.name],
          [td0.name, o.throughTarget!.name],
        ])
      }
    }
    if (!counterpart) continue
    pairedFrom.add(counterpart)
    pairedTo.add(meta)
    const fromChecks = counterpart.autoCreated ? [] : (from.models.get(counterpart.name)?.checks ?? [])
    const toChecks = meta.autoCreated ? [] : (to.models.get(meta.name)?.checks ?? [])
    pairs.push({ from: counterpart, to: meta, fields, checks: [fromChecks, toChecks] })
  }

  // Tables that go away: children first.
  const dropped = dependencyOrder(fs.models().filter((m) => !pairedFrom.has(m))).reverse()
  for (const m of dropped) sql(editor.deleteTable(m.table))

  for (const p of pairs) for (const s of alterModel(backend, p, renames, options)) steps.push(s)

  // New tables: foreign key targets first.
  const created = new Set<ModelMeta>(pairedTo)
  const laterFks: string[] = []
  for (const m of dependencyOrder(ts.models().filter((x) => !pairedTo.has(x)))) {
    const checks = m.autoCreated ? [] : (to.models.get(m.name)?.checks ?? [])
    const t = editor.createTable(m, (x) => created.has(x), checks)
    sql(t.table)
    for (const ix of t.indexes) sql(ix)
    laterFks.push(...t.foreignKeys)
    created.add(m)
  }
  for (const fk of laterFks) sql(fk)
  return steps
}

/** Auto-created join models and the many-to-many field each belongs to. */
function joinOwners(schema: Schema): Map<ModelMeta, RelationField> {
  const out = new Map<ModelMeta, RelationField>()
  for (const m of schema.userModels())
    for (const f of m.forwardRelations)
      if (f.kind === 'manyToMany' && f.throughMeta?.autoCreated) out.set(f.throughMeta, f)
  return out
}

const _sameArr = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])

/** The default that fills existing rows of a new NOT NULL column, as SQL; null when there is none to give. */
export function fillDefault(backend: Backend, field: Field): string | null {
  if (field.nullable || field.kind === 'auto') return null
  const d = field.options.default
  if (d === undefined || typeof d === 'function') {
    if (field.kind === 'datetime' && (field.options.autoNow || field.options.autoNowAdd)) return 'CURRENT_TIMESTAMP'
    return null
  }
  if (field.kind === 'json') return backend.ops.literal(JSON.stringify(d))
  if (field.kind === 'boolean' && backend.vendor !== 'postgres') return d ? '1' : '0'
  return backend.ops.literal(d)
}

interface Named {
  name: string
  sig: string
}

/** ALTER statements for one model whose table exists on both sides. */
function alterModel(backend: Backend, p: Pair, renames: Renames, options: DiffOptions): SqlStep[] {
  const editor = backend.schemaEditor
  const { from, to } = p
  const back = (n: string) => p.fields.get(n) ?? n
  const fieldPairs: [Field | undefined, Field][] = to.concreteFields.map((f) => [
    from.fieldMap.get(back(f.name)) ?? from.attnameMap.get(back(f.name)),
    f,
  ])
  const keptFrom = new Set(fieldPairs.map(([a]) => a).filter((a): a is Field => !!a && a.concrete))
  const removed = from.concreteFields.filter((f) => !keptFrom.has(f))
  const added = fieldPairs.filter(([a]) => !a?.concrete).map(([, b]) => b)
  const kept = fieldPairs.filter((x): x is [Field, Field] => !!x[0] && x[0].concrete)

  // Signatures in from-side names, so a renamed table or column does not look like a new index.
  const fieldSig = (meta: ModelMeta, names: readonly string[]) =>
    names.map((n) => {
      const desc = n.startsWith('-')
      const bare = desc ? n.slice(1) : n
      return `${desc ? '-' : ''}${meta === to ? back(bare) : bare}`
    })
  const whereSig = (meta: ModelMeta, w: IndexDef['where']) =>
    w ? Object.fromEntries(Object.entries(w).map(([k, v]) => [meta === to ? back(k) : k, v])) : null
  const indexes = (meta: ModelMeta): (Named & { def: IndexDef })[] =>
    editor.indexDefs(meta).map((ix) => ({
      name: ix.name,
      def: ix,
      sig: JSON.stringify([fieldSig(meta, ix.fields), ix.unique ?? false, whereSig(meta, ix.where)]),
    }))
  const uniques = (meta: ModelMeta): (Named & { columns: string[] })[] =>
    editor
      .uniqueDefs(meta)
      .map((u) => ({ name: u.name, columns: u.columns, sig: JSON.stringify(fieldSig(meta, u.fields)) }))
  // A target model renamed in this step keeps its foreign keys: targets are compared in from-side names.
  const fks = (meta: ModelMeta): (Named & { field: RelationField })[] =>
    meta.concreteFields
      .filter((f) => f.isRelation)
      .map((f) => {
        const r = f as RelationField
        const target = meta === to ? (renames.models.get(r.targetMeta.name) ?? r.targetMeta.name) : r.targetMeta.name
        return {
          name: editor.fkName(meta, f),
          field: r,
          sig: JSON.stringify([meta === to ? back(f.name) : f.name, target, r.targetField.name, r.onDelete]),
        }
      })

  const steps: SqlStep[] = []
  const sql = (s: string | null, outside = false) => {
    if (s) steps.push({ kind: 'sql', sql: s, params: [], ...(outside ? { outside } : {}) })
  }
  const diff = <T extends Named>(a: T[], b: T[]) => {
    const gone: T[] = []
    const renamed: [T, T][] = []
    const made: T[] = []
    const rest = [...b]
    for (const x of a) {
      const i = rest.findIndex((y) => y.sig === x.sig)
      if (i < 0) gone.push(x)
      else {
        const [y] = rest.splice(i, 1)
        if (y!.name !== x.name) renamed.push([x, y!])
      }
    }
    made.push(...rest)
    return { gone, renamed, made }
  }
  const ixDiff = diff(indexes(from), indexes(to))
  const uqDiff = diff(uniques(from), uniques(to))
  const fkDiff = diff(fks(from), fks(to))
  const ckDiff = diff(
    p.checks[0].map((c) => ({ name: c.name, sig: c.check, check: c.check })),
    p.checks[1].map((c) => ({ name: c.name, sig: c.check, check: c.check })),
  )

  const fieldChanged = kept.some(([a, b]) => columnChanged(editor, a, b))
  const sqlite = backend.vendor === 'sqlite'
  // SQLite's rebuild moves a primary key like any other constraint; ALTER TABLE here would silently keep the old one.
  const movedPk = kept.find(([a, b]) => a.primaryKey !== b.primaryKey)
  if (movedPk && !sqlite)
    throw new NotSupportedError(
      `Changing whether ${to.name}.${movedPk[1].name} is the primary key is not something migrate does on ${backend.vendor}. Write the DDL in an op.runSql step (with its reverse), or add a new field and move the data.`,
    )
  const needsRebuild =
    sqlite &&
    (removed.length > 0 ||
      fieldChanged ||
      uqDiff.gone.length + uqDiff.made.length > 0 ||
      fkDiff.gone.length + fkDiff.made.length > 0 ||
      ckDiff.gone.length + ckDiff.made.length > 0 ||
      added.some((f) => f.isRelation || f.unique || (!f.nullable && fillDefault(backend, f) === null)))
  if (needsRebuild) return rebuild(backend, p, kept, added)

  const concurrently = options.concurrently === true && backend.features.canCreateIndexConcurrently
  // 1. What goes away, before the columns it uses.
  for (const x of fkDiff.gone) sql(editor.dropForeignKey(from, x.name))
  for (const x of uqDiff.gone) sql(editor.dropUnique(from, x.name))
  for (const x of ixDiff.gone)
    sql(
      sqlite ? `DROP INDEX ${backend.ops.quote(x.name)}` : editor.dropIndex(from, x.name, { concurrently }),
      concurrently,
    )
  for (const x of ckDiff.gone) sql(editor.dropCheck(from, x.name))
  for (const f of removed) sql(editor.dropColumn(from, f))
  // 2. Names.
  if (from.table !== to.table) sql(editor.renameTable(from.table, to.table))
  for (const [a, b] of kept) if (a.column !== b.column) sql(editor.renameColumn(to.table, a.column, b.column))
  // 3. Columns.
  for (const [a, b] of kept) for (const s of editor.alterColumn(to, a, b)) sql(s)
  for (const f of added) {
    const fill = fillDefault(backend, f)
    sql(editor.addColumn(to, f, fill))
    if (fill !== null && !sqlite) sql(editor.dropColumnDefault(to, f))
  }
  // 4. Renamed indexes and constraints keep their data; SQLite cannot rename an index, so it rebuilds that one.
  for (const [x, y] of ixDiff.renamed) {
    if (sqlite) {
      sql(`DROP INDEX ${backend.ops.quote(x.name)}`)
      sql(editor.createIndex(to, y.def))
    } else sql(editor.renameIndex(to, x.name, y.name))
  }
  if (!sqlite) {
    for (const [x, y] of uqDiff.renamed) sql(editor.renameConstraint(to, x.name, y.name, 'unique'))
    for (const [x, y] of ckDiff.renamed) sql(editor.renameConstraint(to, x.name, y.name, 'check'))
    for (const [x, y] of fkDiff.renamed) {
      const r = editor.renameConstraint(to, x.name, y.name, 'fk')
      if (r) sql(r)
      else {
        sql(editor.dropForeignKey(to, x.name))
        fkDiff.made.push(y)
      }
    }
  }
  // 5. What is new. On PostgreSQL constraints are added NOT VALID, then validated without blocking writes.
  const validate = backend.vendor === 'postgres'
  for (const x of uqDiff.made) sql(editor.addUnique(to, x.name, x.columns))
  for (const x of ixDiff.made) sql(editor.createIndex(to, x.def, { concurrently }), concurrently)
  for (const x of fkDiff.made) {
    sql(editor.addForeignKey(to, x.field, { notValid: validate }))
    if (validate) sql(editor.validateConstraint(to, x.name))
  }
  for (const x of ckDiff.made) {
    sql(editor.addCheck(to, x.name, x.check, { notValid: validate }))
    if (validate) sql(editor.validateConstraint(to, x.name))
  }
  return steps
}

/** The column itself changed (type, nullability, primary key), not only its name. */
function columnChanged(editor: BaseSchemaEditor, a: Field, b: Field): boolean {
  return (
    editor.columnType(a) !== editor.columnType(b) ||
    a.nullable !== b.nullable ||
    a.kind !== b.kind ||
    a.primaryKey !== b.primaryKey ||
    JSON.stringify(a.options.choices ?? null) !== JSON.stringify(b.options.choices ?? null)
  )
}

/**
 * SQLite's twelve steps for what `ALTER TABLE` cannot do: a new table with the new definition, the rows copied
 * across, the old table dropped, the new one renamed into place and the indexes created again. Runs with foreign key
 * enforcement off (set by the executor outside the transaction) and a `foreign_key_check` before commit.
 */
function rebuild(backend: Backend, p: Pair, kept: [Field, Field][], added: Field[]): SqlStep[] {
  const editor = backend.schemaEditor
  const q = (n: string) => backend.ops.quote(n)
  const tmp = `new__${p.to.table}`
  const t = editor.createTable(p.to, () => true, p.checks[1])
  const create = t.table.replace(`CREATE TABLE ${q(p.to.table)}`, `CREATE TABLE ${q(tmp)}`)
  const cols: string[] = []
  const exprs: string[] = []
  for (const [a, b] of kept) {
    cols.push(q(b.column))
    exprs.push(q(a.column))
  }
  for (const f of added) {
    const fill = fillDefault(backend, f)
    if (fill === null && !f.nullable) continue // fails loudly on a non-empty table: NOT NULL without a default
    cols.push(q(f.column))
    exprs.push(fill ?? 'NULL')
  }
  const steps = [
    create,
    `INSERT INTO ${q(tmp)} (${cols.join(', ')}) SELECT ${exprs.join(', ')} FROM ${q(p.from.table)}`,
    `DROP TABLE ${q(p.from.table)}`,
    `ALTER TABLE ${q(tmp)} RENAME TO ${q(p.to.table)}`,
    ...t.indexes,
  ]
  return steps.map((sql) => ({ kind: 'sql', sql, params: [] }))
}
