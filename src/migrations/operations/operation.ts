import type { Field } from '../../model/fields/field.ts'
import type { FieldsRecord, IndexDef, ModelOptions } from '../../model/model.ts'
import type { SqlFragment } from '../../sql/sql-tag.ts'

/** Every operation may be marked as accepted by the linter: `{ unsafe: 'backfilled in 0003, deploy done' }`. */
export interface OpOptions {
  /** Why this operation is safe here although the linter says it locks or loses data. */
  unsafe?: string
}

/** A unique constraint over several fields, or a check constraint (SQL text of the condition). */
export type Constraint = { name?: string; unique: readonly string[] } | { name: string; check: string }

/** What `runCode` receives: a database whose models are those of this point of the history. */
export type HistoricalDb = any
export type RunCodeFn = (db: HistoricalDb) => Promise<void> | void

/** Operations are plain data: the writer prints them, the state replays them, the executor turns them into SQL. */
export type Operation =
  | ({ type: 'createModel'; name: string; fields: FieldsRecord; options: ModelOptions } & OpOptions)
  | ({ type: 'deleteModel'; name: string } & OpOptions)
  | ({ type: 'renameModel'; oldName: string; newName: string } & OpOptions)
  | ({ type: 'alterModelTable'; name: string; table: string | undefined } & OpOptions)
  | ({ type: 'addField'; model: string; name: string; field: Field } & OpOptions)
  | ({ type: 'removeField'; model: string; name: string } & OpOptions)
  | ({ type: 'alterField'; model: string; name: string; field: Field } & OpOptions)
  | ({ type: 'renameField'; model: string; oldName: string; newName: string } & OpOptions)
  | ({ type: 'addIndex'; model: string; index: IndexDef; concurrently?: boolean } & OpOptions)
  | ({ type: 'removeIndex'; model: string; index: IndexDef; concurrently?: boolean } & OpOptions)
  | ({ type: 'renameIndex'; model: string; oldName: string; newName: string } & OpOptions)
  | ({ type: 'addConstraint'; model: string; constraint: Constraint } & OpOptions)
  | ({ type: 'removeConstraint'; model: string; constraint: Constraint } & OpOptions)
  | ({ type: 'runSql'; sql: SqlFragment | string; reverse: SqlFragment | string | null | undefined } & OpOptions)
  | ({ type: 'runCode'; code: RunCodeFn; reverse: RunCodeFn | null | undefined } & OpOptions)

export type OperationType = Operation['type']

/**
 * Operation constructors, for migration files.
 *
 * @example
 * op.addField('Post', 'slug', f.string({ maxLength: 50, default: '' }))
 * // PostgreSQL: ALTER TABLE "blog_post" ADD COLUMN "slug" varchar(50) DEFAULT '' NOT NULL; … DROP DEFAULT
 */
export const op = {
  createModel: (name: string, fields: FieldsRecord, options: ModelOptions = {}, o: OpOptions = {}): Operation => ({
    type: 'createModel',
    name,
    fields,
    options,
    ...o,
  }),
  deleteModel: (name: string, o: OpOptions = {}): Operation => ({ type: 'deleteModel', name, ...o }),
  renameModel: (oldName: string, newName: string, o: OpOptions = {}): Operation => ({
    type: 'renameModel',
    oldName,
    newName,
    ...o,
  }),
  /** Change a model's `table` option (`undefined`: back to snake_case of its name). */
  alterModelTable: (name: string, table: string | undefined, o: OpOptions = {}): Operation => ({
    type: 'alterModelTable',
    name,
    table,
    ...o,
  }),
  addField: (model: string, name: string, field: Field, o: OpOptions = {}): Operation => ({
    type: 'addField',
    model,
    name,
    field,
    ...o,
  }),
  removeField: (model: string, name: string, o: OpOptions = {}): Operation => ({
    type: 'removeField',
    model,
    name,
    ...o,
  }),
  alterField: (model: string, name: string, field: Field, o: OpOptions = {}): Operation => ({
    type: 'alterField',
    model,
    name,
    field,
    ...o,
  }),
  renameField: (model: string, oldName: string, newName: string, o: OpOptions = {}): Operation => ({
    type: 'renameField',
    model,
    oldName,
    newName,
    ...o,
  }),
  /** `concurrently: true` builds the index without blocking writes on PostgreSQL (outside the transaction). */
  addIndex: (model: string, index: IndexDef, o: OpOptions & { concurrently?: boolean } = {}): Operation => ({
    type: 'addIndex',
    model,
    index,
    ...o,
  }),
  removeIndex: (model: string, index: IndexDef, o: OpOptions & { concurrently?: boolean } = {}): Operation => ({
    type: 'removeIndex',
    model,
    index,
    ...o,
  }),
  /** Rename a named index (`index([...], { name })`). */
  renameIndex: (model: string, oldName: string, newName: string, o: OpOptions = {}): Operation => ({
    type: 'renameIndex',
    model,
    oldName,
    newName,
    ...o,
  }),
  addConstraint: (model: string, constraint: Constraint, o: OpOptions = {}): Operation => ({
    type: 'addConstraint',
    model,
    constraint,
    ...o,
  }),
  removeConstraint: (model: string, constraint: Constraint, o: OpOptions = {}): Operation => ({
    type: 'removeConstraint',
    model,
    constraint,
    ...o,
  }),
  /**
   * Raw SQL, written with the `sql` tag (or a plain string of trusted DDL). `reverse: null` marks it irreversible;
   * leave `reverse` out for a no-op going backwards.
   */
  runSql: (sql: SqlFragment | string, o: OpOptions & { reverse?: SqlFragment | string | null } = {}): Operation => ({
    type: 'runSql',
    sql,
    reverse: o.reverse === undefined ? undefined : o.reverse,
    ...pick(o),
  }),
  /** Data migration: `code(db)` gets the models as they were at this migration. */
  runCode: (code: RunCodeFn, o: OpOptions & { reverse?: RunCodeFn | null } = {}): Operation => ({
    type: 'runCode',
    code,
    reverse: o.reverse,
    ...pick(o),
  }),
}

const pick = (o: OpOptions): OpOptions => (o.unsafe !== undefined ? { unsafe: o.unsafe } : {})

/** A unique constraint: `unique(['author', 'slug'])`. */
export function unique(fields: readonly string[], name?: string): Constraint {
  return name ? { name, unique: fields } : { unique: fields }
}

/** A one-line description for `migrate --plan`, `showmigrations` and messages. */
export function describe(o: Operation): string {
  switch (o.type) {
    case 'createModel':
      return `Create model ${o.name}`
    case 'deleteModel':
      return `Delete model ${o.name}`
    case 'renameModel':
      return `Rename model ${o.oldName} to ${o.newName}`
    case 'alterModelTable':
      return `Rename table of ${o.name} to ${o.table ?? '(default)'}`
    case 'addField':
      return `Add field ${o.name} to ${o.model}`
    case 'removeField':
      return `Remove field ${o.name} from ${o.model}`
    case 'alterField':
      return `Alter field ${o.name} on ${o.model}`
    case 'renameField':
      return `Rename field ${o.oldName} on ${o.model} to ${o.newName}`
    case 'addIndex':
      return `Create index on ${o.model} (${o.index.fields.join(', ')})${o.index.where ? ' (partial)' : ''}`
    case 'removeIndex':
      return `Remove index on ${o.model} (${o.index.fields.join(', ')})`
    case 'renameIndex':
      return `Rename index ${o.oldName} on ${o.model} to ${o.newName}`
    case 'addConstraint':
      return `Create constraint on ${o.model} ${'unique' in o.constraint ? `unique (${o.constraint.unique.join(', ')})` : o.constraint.name}`
    case 'removeConstraint':
      return `Remove constraint on ${o.model} ${'unique' in o.constraint ? `unique (${o.constraint.unique.join(', ')})` : o.constraint.name}`
    case 'runSql':
      return 'Raw SQL operation'
    case 'runCode':
      return 'Raw code operation'
  }
}
