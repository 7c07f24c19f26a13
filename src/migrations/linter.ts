import { describe, type Operation } from './operations/operation.ts'
import { stateForwards } from './operations/state-forwards.ts'
import type { ProjectState } from './state.ts'

export interface LintFinding {
  /** The migration file. */
  file: string
  /** 1-based position of the operation in the file. */
  operation: number
  description: string
  /** What locks or loses data, and the safe alternative. */
  message: string
}

/**
 * What an operation still locks or loses, with the safe way to do it (strong_migrations' checks). An operation
 * marked `{ unsafe: 'reason' }` is accepted as it is.
 */
export function lintOperations(file: string, operations: readonly Operation[], before: ProjectState): LintFinding[] {
  const out: LintFinding[] = []
  let state = before
  operations.forEach((o, i) => {
    const next = state.clone()
    stateForwards(next, o)
    const message = o.unsafe === undefined ? check(o, state) : null
    if (message) out.push({ file, operation: i + 1, description: describe(o), message })
    state = next
  })
  return out
}

const MARK = " Mark it { unsafe: 'why it is safe here' } to accept it."

function check(o: Operation, state: ProjectState): string | null {
  switch (o.type) {
    case 'removeField': {
      const f = state.model(o.model).fields.get(o.name)
      if (f?.kind === 'manyToMany') return `drops the join table of ${o.model}.${o.name} and its rows.${MARK}`
      return `drops column ${o.model}.${o.name}: its data is lost, and running code that still reads the field fails. Deploy code that no longer uses the field first, then remove it.${MARK}`
    }
    case 'deleteModel':
      return `drops the table of ${o.name} and every row in it. Deploy code that no longer uses the model first.${MARK}`
    case 'addField': {
      const f = o.field
      if (f.kind === 'manyToMany' || f.nullable) return null
      const d = f.options.default
      const fills =
        (d !== undefined && typeof d !== 'function') ||
        (f.kind === 'datetime' && (f.options.autoNow || f.options.autoNowAdd))
      if (!fills && f.kind !== 'auto')
        return `adds NOT NULL column ${o.model}.${o.name} without a default: it fails on a table that has rows. Add it with null: true (or a default), backfill it in a runCode step, then make it NOT NULL.${MARK}`
      return null
    }
    case 'alterField': {
      const old = state.model(o.model).fields.get(o.name)
      if (!old) return null
      if (
        old.kind !== o.field.kind ||
        old.options.maxLength !== o.field.options.maxLength ||
        old.options.maxDigits !== o.field.options.maxDigits ||
        old.options.decimalPlaces !== o.field.options.decimalPlaces
      ) {
        const widening =
          old.kind === o.field.kind &&
          old.kind === 'string' &&
          Number(o.field.options.maxLength) > Number(old.options.maxLength)
        if (!widening)
          return `changes the type of ${o.model}.${o.name}: the table is rewritten under an exclusive lock and values may not convert. Add a new field, backfill it, switch the code, then remove the old one.${MARK}`
      }
      if (old.nullable && !o.field.nullable)
        return `makes ${o.model}.${o.name} NOT NULL: the whole table is scanned under an exclusive lock, and it fails if a row holds NULL. Backfill first; on PostgreSQL add a CHECK (${o.name} IS NOT NULL) NOT VALID constraint, validate it, then alter.${MARK}`
      return null
    }
    case 'renameField': {
      const f = state.model(o.model).fields.get(o.oldName)
      if (f?.options.column) return null // the column keeps its name
      return `renames the column of ${o.model}.${o.oldName}: running code that still reads the old name fails until it is deployed. Add the new field, write both, backfill, switch reads, then remove the old one — or keep the column with { column: '…' }.${MARK}`
    }
    case 'renameModel': {
      if (state.model(o.oldName).options.table) return null
      return `renames the table of ${o.oldName}: running code that still uses the old name fails until it is deployed. Keep the table with { table: '…' } on the renamed model.${MARK}`
    }
    case 'alterModelTable':
      return `renames the table of ${o.name}: running code that still uses the old name fails until it is deployed.${MARK}`
    case 'addIndex':
      if (!o.concurrently)
        return `builds an index on ${o.model} while blocking writes to the table on PostgreSQL. Pass { concurrently: true }.${MARK}`
      return null
    default:
      return null
  }
}
