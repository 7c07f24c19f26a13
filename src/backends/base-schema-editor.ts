import { createHash } from 'node:crypto'
import type { AllFieldOptions, Field, FieldKind } from '../model/fields/field.ts'
import type { RelationField } from '../model/fields/relation-field.ts'
import type { IndexDef } from '../model/model.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import type { SqlCompiler } from '../sql/compiler/sql-compiler.ts'
import { buildIndexCondition } from '../sql/resolve/select-builder.ts'
import type { BaseFeatures } from './base-features.ts'
import { type BaseOperations, targetKind } from './base-operations.ts'

const ON_DELETE = {
  cascade: 'CASCADE',
  setNull: 'SET NULL',
  restrict: 'RESTRICT',
  protect: 'RESTRICT',
  noAction: 'NO ACTION',
} as const

/**
 * The column type of each kind of concrete field (Django's `data_types`). `{maxLength}`, `{maxDigits}` and
 * `{decimalPlaces}` are filled in from the field's options; a foreign key takes the type of the field it targets.
 */
export type DataTypes = Readonly<Record<Exclude<FieldKind, 'foreignKey' | 'oneToOne' | 'manyToMany'>, string>>

/** SQL-standard spellings; a backend spreads these and overrides what its database names differently. */
export const standardDataTypes: DataTypes = {
  auto: 'bigint',
  string: 'varchar({maxLength})',
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  float: 'double precision',
  decimal: 'decimal({maxDigits}, {decimalPlaces})',
  boolean: 'boolean',
  datetime: 'timestamp',
  date: 'date',
  json: 'text',
  uuid: 'char(36)',
  enum: 'varchar({maxLength})',
}

/**
 * The column type of `field` in a table of column types.
 *
 * @example
 * columnTypeFor(standardDataTypes, f.string({ maxLength: 80 })) // 'varchar(80)'
 */
export function columnTypeFor(dataTypes: DataTypes, field: Field): string {
  const kind = field.kind === 'foreignKey' || field.kind === 'oneToOne' ? targetKind(field) : field.kind
  // `manyToMany` has no column; text is what every backend gave an unknown kind.
  const type = dataTypes[kind as keyof DataTypes] ?? dataTypes.text
  return type.replace(/\{(\w+)\}/g, (_, option: string) => String(field.options[option as keyof AllFieldOptions]))
}

/**
 * DDL (Django's schema editor): CREATE/DROP TABLE and INDEX statements for models. Backends give their `dataTypes`
 * and override the few places their DDL differs.
 */
export abstract class BaseSchemaEditor {
  protected readonly ops: BaseOperations
  protected readonly features: BaseFeatures
  /** Compiles partial-index conditions, with their values as literals. */
  protected readonly compiler: SqlCompiler

  constructor(ops: BaseOperations, features: BaseFeatures, compiler: SqlCompiler) {
    this.ops = ops
    this.features = features
    this.compiler = compiler
  }

  /** Column types by field kind. */
  protected readonly dataTypes: DataTypes = standardDataTypes

  /**
   * Data type of a column, for DDL and casts.
   *
   * @example
   * editor.columnType(f.string({ maxLength: 80 })) // PostgreSQL: varchar(80)
   */
  columnType(field: Field): string {
    return columnTypeFor(this.dataTypes, field)
  }

  protected q(name: string): string {
    return this.ops.quote(name)
  }

  /** Column definition inside CREATE TABLE. */
  columnDef(field: Field): string {
    if (field.kind === 'auto') return `${this.q(field.column)} ${this.autoPkDef()}`
    let s = `${this.q(field.column)} ${this.columnType(field)}`
    s += field.nullable ? ' NULL' : ' NOT NULL'
    if (field.primaryKey) s += ' PRIMARY KEY'
    else if (field.unique) s += ' UNIQUE'
    if (field.kind === 'enum') {
      const choices = (field.options.choices ?? []).map((c) => this.ops.literal(c)).join(', ')
      s += ` CHECK (${this.q(field.column)} IN (${choices}))`
    }
    return s
  }

  /** `integer PRIMARY KEY AUTOINCREMENT`, `bigserial PRIMARY KEY`, … */
  protected abstract autoPkDef(): string

  /** The foreign key clause for a column, or '' for none. */
  protected references(field: RelationField): string {
    const t = field.targetMeta
    return ` REFERENCES ${this.q(t.table)} (${this.q(field.targetField.column)}) ON DELETE ${ON_DELETE[field.onDelete]}${this.deferrable()}`
  }
  protected deferrable(): string {
    return ''
  }

  /**
   * Statements creating the tables of `models` with their indexes, in dependency order. A foreign key whose
   * target table does not exist yet becomes an ALTER TABLE at the end, where the database needs that.
   */
  createTables(models: readonly ModelMeta[]): string[] {
    const created = new Set<string>()
    const creates: string[] = []
    const later: string[] = []
    for (const meta of dependencyOrder(models)) {
      const defs: string[] = []
      for (const field of meta.concreteFields) {
        let def = this.columnDef(field)
        if (field.isRelation) {
          const rel = field as RelationField
          const ready = created.has(rel.targetMeta.name) || rel.targetMeta === meta
          if (this.inlineForeignKeys() || (ready && this.inlineReferences())) def += this.references(rel)
          else later.push(this.addForeignKey(meta, rel))
        }
        defs.push(def)
      }
      for (const set of meta.uniqueTogether)
        defs.push(`UNIQUE (${set.map((n) => this.q(meta.field(n).column)).join(', ')})`)
      creates.push(`CREATE TABLE ${this.q(meta.table)} (${defs.join(', ')})${this.tableSuffix()}`)
      created.add(meta.name)
      creates.push(...this.indexes(meta))
    }
    return [...creates, ...later]
  }

  /** SQLite checks references lazily, so foreign keys can always be declared inline. */
  protected inlineForeignKeys(): boolean {
    return false
  }
  /** A column's `REFERENCES` clause is enforced (MySQL ignores it: foreign keys become ALTER TABLE there). */
  protected inlineReferences(): boolean {
    return true
  }
  protected tableSuffix(): string {
    return ''
  }

  addForeignKey(meta: ModelMeta, field: RelationField): string {
    const name = this.name(meta.table, [field.column], 'fk')
    return `ALTER TABLE ${this.q(meta.table)} ADD CONSTRAINT ${this.q(name)} FOREIGN KEY (${this.q(field.column)})${this.references(field)}`
  }

  /** Indexes for `dbIndex` fields, foreign keys and `options.indexes`. */
  indexes(meta: ModelMeta): string[] {
    const out: string[] = []
    for (const field of meta.concreteFields) {
      if (field.unique) continue
      if (field.options.dbIndex || (field.isRelation && field.options.dbIndex !== false))
        out.push(this.createIndex(meta, { fields: [field.name] }))
    }
    for (const ix of meta.indexes) {
      if (ix.where && !this.features.supportsPartialIndexes) continue
      out.push(this.createIndex(meta, ix))
    }
    return out
  }

  /**
   * `CREATE INDEX`; `concurrently` is honoured where `features.canCreateIndexConcurrently` (PostgreSQL) and
   * ignored elsewhere.
   *
   * @example
   * editor.createIndex(meta, { fields: ['title'] }, { concurrently: true })
   * // PostgreSQL: CREATE INDEX CONCURRENTLY "blog_post_title_1a2b3c4d_idx" ON "blog_post" ("title")
   */
  createIndex(meta: ModelMeta, ix: IndexDef, options: { concurrently?: boolean } = {}): string {
    const cols = ix.fields.map((f) => {
      const desc = f.startsWith('-')
      return `${this.q(meta.field(desc ? f.slice(1) : f).column)}${desc ? ' DESC' : ''}`
    })
    const name =
      ix.name ??
      this.name(
        meta.table,
        ix.fields.map((f) => meta.field(f.replace(/^-/, '')).column),
        ix.where ? 'pidx' : 'idx',
      )
    const concurrently = options.concurrently && this.features.canCreateIndexConcurrently ? 'CONCURRENTLY ' : ''
    let s = `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${concurrently}${this.q(name)} ON ${this.q(meta.table)} (${cols.join(', ')})`
    if (ix.where) {
      const { expr, params } = buildIndexCondition(meta, ix.where, this.features)
      s += ` WHERE ${this.compiler.compileCondition(expr, params)}`
    }
    return s
  }

  dropTables(models: readonly ModelMeta[]): string[] {
    return dependencyOrder(models)
      .reverse()
      .map((m) => `DROP TABLE IF EXISTS ${this.q(m.table)}${this.dropSuffix()}`)
  }
  protected dropSuffix(): string {
    return ''
  }

  /** Deterministic name within the identifier limit: `blog_post_author_id_created_at_3f2a1c_idx`. */
  name(table: string, columns: readonly string[], suffix: string): string {
    const hash = createHash('sha1')
      .update([table, ...columns, suffix].join('|'))
      .digest('hex')
      .slice(0, 8)
    const base = `${table}_${columns.join('_')}`
    const room = this.features.maxIdentifierLength - hash.length - suffix.length - 2
    return `${base.slice(0, Math.max(1, room))}_${hash}_${suffix}`
  }
}

/** Models with the targets of their foreign keys first; cycles keep declaration order. */
export function dependencyOrder(models: readonly ModelMeta[]): ModelMeta[] {
  const out: ModelMeta[] = []
  const state = new Map<ModelMeta, 'visiting' | 'done'>()
  const inSet = new Set(models)
  const visit = (m: ModelMeta) => {
    if (state.has(m)) return
    state.set(m, 'visiting')
    for (const f of m.concreteFields)
      if (f.isRelation) {
        const t = (f as RelationField).targetMeta
        if (inSet.has(t) && t !== m) visit(t)
      }
    state.set(m, 'done')
    out.push(m)
  }
  for (const m of models) visit(m)
  return out
}
