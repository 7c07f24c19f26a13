import { MigrationError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import { RelationField } from '../model/fields/relation-field.ts'
import type { IndexDef, ModelOptions } from '../model/model.ts'
import { SqlFragment } from '../sql/sql-tag.ts'
import type { Constraint, Operation } from './operations/operation.ts'

const ident = /^[A-Za-z_$][\w$]*$/

/** A JavaScript literal for a value from a model definition. Functions cannot be written (see `field`). */
export function literal(v: unknown): string {
  if (v === undefined) return 'undefined'
  if (v === null) return 'null'
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (v instanceof Date) return `new Date('${v.toISOString()}')`
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined)
    if (entries.length === 0) return '{}'
    return `{ ${entries.map(([k, x]) => `${ident.test(k) ? k : literal(k)}: ${literal(x)}`).join(', ')} }`
  }
  throw new MigrationError('MIGRATION_WRITE', `Cannot write ${typeof v} into a migration file.`)
}

/** `f.string({ maxLength: 50, default: '' })`. A function default is left out with a note (it is not in the database). */
export function field(f: Field): string {
  const options: Record<string, unknown> = {}
  let note = ''
  for (const [k, v] of Object.entries(f.options)) {
    if (v === undefined) continue
    if (f.kind === 'enum' && (k === 'choices' || k === 'maxLength')) continue
    if (typeof v === 'function') {
      note = ' /* default: a function in the model */'
      continue
    }
    options[k] = v
  }
  const opts = Object.keys(options).length ? literal(options) : ''
  if (f instanceof RelationField) return `f.${f.kind}(${literal(f.target)}${opts ? `, ${opts}` : ''})${note}`
  if (f.kind === 'enum') return `f.enum(${literal(f.options.choices ?? [])}${opts ? `, ${opts}` : ''})${note}`
  if (f.kind === 'auto') return 'f.bigint({ primaryKey: true })'
  return `f.${f.kind}(${opts})${note}`
}

export function indexCall(ix: IndexDef): string {
  const { fields, ...rest } = ix
  const o = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined))
  return `index(${literal(fields)}${Object.keys(o).length ? `, ${literal(o)}` : ''})`
}

function constraint(c: Constraint): string {
  return literal(c)
}

function modelOptions(o: ModelOptions): string {
  const parts: string[] = []
  if (o.table !== undefined) parts.push(`table: ${literal(o.table)}`)
  if (o.ordering?.length) parts.push(`ordering: ${literal(o.ordering)}`)
  if (o.indexes?.length) parts.push(`indexes: [${o.indexes.map(indexCall).join(', ')}]`)
  if (o.uniqueTogether?.length) parts.push(`uniqueTogether: ${literal(o.uniqueTogether)}`)
  return parts.length ? `{ ${parts.join(', ')} }` : ''
}

function withOptions(args: string[], o: Record<string, unknown>): string {
  const extra = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
  return [...args, ...(Object.keys(extra).length ? [literal(extra)] : [])].join(', ')
}

function sqlText(s: SqlFragment | string): string {
  if (typeof s === 'string') return literal(s)
  if (s instanceof SqlFragment && s.values.length === 0) return `sql\`${s.strings.join('').replace(/`/g, '\\`')}\``
  throw new MigrationError(
    'MIGRATION_WRITE',
    'A runSql with bound values cannot be copied into a squashed migration; keep that migration.',
  )
}

/** One operation as TypeScript source, indented for the operations array. */
export function operation(o: Operation, indent = '    '): string {
  const u = { unsafe: o.unsafe }
  switch (o.type) {
    case 'createModel': {
      const fields = Object.entries(o.fields)
        .map(([n, f]) => `${indent}  ${ident.test(n) ? n : literal(n)}: ${field(f)},`)
        .join('\n')
      const opts = modelOptions(o.options)
      const tail = o.unsafe ? `, ${opts || '{}'}, ${literal(u)}` : opts ? `, ${opts}` : ''
      return `op.createModel(${literal(o.name)}, {\n${fields}\n${indent}}${tail})`
    }
    case 'deleteModel':
      return `op.deleteModel(${withOptions([literal(o.name)], u)})`
    case 'renameModel':
      return `op.renameModel(${withOptions([literal(o.oldName), literal(o.newName)], u)})`
    case 'alterModelTable':
      return `op.alterModelTable(${withOptions([literal(o.name), literal(o.table)], u)})`
    case 'addField':
    case 'alterField':
      return `op.${o.type}(${withOptions([literal(o.model), literal(o.name), field(o.field)], u)})`
    case 'removeField':
      return `op.removeField(${withOptions([literal(o.model), literal(o.name)], u)})`
    case 'renameField':
      return `op.renameField(${withOptions([literal(o.model), literal(o.oldName), literal(o.newName)], u)})`
    case 'addIndex':
    case 'removeIndex':
      return `op.${o.type}(${withOptions([literal(o.model), indexCall(o.index)], { concurrently: o.concurrently || undefined, ...u })})`
    case 'renameIndex':
      return `op.renameIndex(${withOptions([literal(o.model), literal(o.oldName), literal(o.newName)], u)})`
    case 'addConstraint':
    case 'removeConstraint':
      return `op.${o.type}(${withOptions([literal(o.model), constraint(o.constraint)], u)})`
    case 'runSql': {
      const reverse = o.reverse === null ? 'null' : o.reverse === undefined ? undefined : sqlText(o.reverse)
      return `op.runSql(${sqlText(o.sql)}${reverse !== undefined || o.unsafe ? `, { ${[reverse !== undefined ? `reverse: ${reverse}` : '', o.unsafe ? `unsafe: ${literal(o.unsafe)}` : ''].filter(Boolean).join(', ')} }` : ''})`
    }
    case 'runCode': {
      const reverse = o.reverse === null ? 'null' : o.reverse ? o.reverse.toString() : undefined
      return `op.runCode(${o.code.toString()}${reverse !== undefined ? `, { reverse: ${reverse} }` : ''})`
    }
  }
}

export interface WriteMigration {
  dependencies: readonly string[]
  operations: readonly Operation[]
  replaces?: readonly string[]
  /** Comment lines above the code (linter findings, what was squashed…). */
  notes?: readonly string[]
}

/** A whole migration file: imports only from `quarry` and `quarry/migrations`, one operation per line. */
export function writeMigration(m: WriteMigration): string {
  const body = m.operations.map((o) => operation(o)).join(',\n    ')
  const needs = (what: RegExp) => m.operations.some((o) => what.test(operation(o)))
  const fromQuarry = [
    needs(/\bf\./) ? 'f' : '',
    needs(/\bindex\(/) ? 'index' : '',
    needs(/\bsql`/) ? 'sql' : '',
  ].filter(Boolean)
  const lines = [
    `// Generated by quarry makemigrations on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Yours to read and edit.`,
    ...(m.notes ?? []).map((n) => `// ${n}`),
    ...(fromQuarry.length ? [`import { ${fromQuarry.join(', ')} } from 'quarry'`] : []),
    `import { migration, op } from 'quarry/migrations'`,
    '',
    'export default migration({',
    `  dependencies: ${literal(m.dependencies)},`,
    ...(m.replaces?.length ? [`  replaces: ${literal(m.replaces)},`] : []),
    m.operations.length ? `  operations: [\n    ${body},\n  ],` : '  operations: [],',
    '})',
    '',
  ]
  return lines.join('\n')
}
