import type { Field } from '../model/fields/field.ts'
import type { IndexDef } from '../model/model.ts'
import type { Operation } from './operations/operation.ts'
import { indexKey } from './operations/state-forwards.ts'

/** Models an operation changes or points at (a fold may not move an operation across one of these). */
function refs(o: Operation): Set<string> {
  const out = new Set<string>()
  const field = (f: Field) => {
    const t = (f as { target?: string }).target
    if (t) out.add(t)
    const through = (f.options as { through?: string }).through
    if (through) out.add(through)
  }
  switch (o.type) {
    case 'createModel':
      out.add(o.name)
      for (const f of Object.values(o.fields)) field(f)
      break
    case 'deleteModel':
    case 'alterModelTable':
      out.add(o.name)
      break
    case 'renameModel':
      out.add(o.oldName).add(o.newName)
      break
    case 'addField':
    case 'alterField':
      out.add(o.model)
      field(o.field)
      break
    case 'runSql':
    case 'runCode':
      out.add('*')
      break
    default:
      out.add(o.model)
  }
  return out
}

const modelOf = (o: Operation): string | undefined =>
  o.type === 'createModel' || o.type === 'deleteModel' || o.type === 'alterModelTable'
    ? o.name
    : o.type === 'renameModel'
      ? o.oldName
      : o.type === 'runSql' || o.type === 'runCode'
        ? undefined
        : o.model

const ren = (names: readonly string[], from: string, to: string) =>
  names.map((n) => (n.replace(/^-/, '') === from ? `${n.startsWith('-') ? '-' : ''}${to}` : n))

/** `b` folded into the earlier `a`: the replacement (possibly nothing), or undefined when they do not fold. */
function fold(a: Operation, b: Operation): Operation[] | undefined {
  if (a.unsafe !== undefined || b.unsafe !== undefined) return undefined
  if (a.type === 'createModel' && modelOf(b) === a.name) {
    const fields = { ...a.fields }
    const options = {
      ...a.options,
      indexes: [...(a.options.indexes ?? [])],
      uniqueTogether: [...(a.options.uniqueTogether ?? [])],
    }
    const uses = (xs: readonly string[], f: string) => xs.some((x) => x.replace(/^-/, '') === f)
    switch (b.type) {
      case 'deleteModel':
        return []
      case 'addField':
      case 'alterField':
        fields[b.name] = b.field
        return [{ ...a, fields, options }]
      case 'removeField':
        delete fields[b.name]
        options.indexes = options.indexes.filter((ix) => !uses(ix.fields, b.name))
        options.uniqueTogether = options.uniqueTogether.filter((u) => !uses(u, b.name))
        return [{ ...a, fields, options }]
      case 'renameField':
        return [
          {
            ...a,
            fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k === b.oldName ? b.newName : k, v])),
            options: {
              ...options,
              indexes: options.indexes.map((ix) => ({ ...ix, fields: ren(ix.fields, b.oldName, b.newName) })),
              uniqueTogether: options.uniqueTogether.map((u) => ren(u, b.oldName, b.newName)),
            },
          },
        ]
      case 'addIndex':
        options.indexes.push(b.index)
        return [{ ...a, options }]
      case 'removeIndex': {
        const i = options.indexes.findIndex((ix: IndexDef) => indexKey(ix) === indexKey(b.index))
        if (i < 0) return undefined
        options.indexes.splice(i, 1)
        return [{ ...a, options }]
      }
      case 'addConstraint':
        if (!('unique' in b.constraint)) return undefined
        options.uniqueTogether.push(b.constraint.unique)
        return [{ ...a, options }]
      case 'alterModelTable':
        return [{ ...a, options: { ...options, table: b.table } }]
      case 'renameModel':
        return [{ ...a, name: b.newName }]
      default:
        return undefined
    }
  }
  if (a.type === 'addField' && 'name' in b && modelOf(b) === a.model) {
    if (b.type === 'alterField' && b.name === a.name) return [{ ...a, field: b.field }]
    if (b.type === 'removeField' && b.name === a.name) return []
  }
  if (a.type === 'addField' && b.type === 'renameField' && b.model === a.model && b.oldName === a.name)
    return [{ ...a, name: b.newName }]
  if (a.type === 'alterField' && b.type === 'alterField' && a.model === b.model && a.name === b.name) return [b]
  if (a.type === 'alterField' && b.type === 'removeField' && a.model === b.model && a.name === b.name) return [b]
  if (
    a.type === 'addIndex' &&
    b.type === 'removeIndex' &&
    a.model === b.model &&
    indexKey(a.index) === indexKey(b.index)
  )
    return []
  return undefined
}

/**
 * Fewer operations with the same result (Django's optimizer): a created model absorbs the fields, indexes and
 * renames that follow it; an added field absorbs its alterations; what is created and then deleted disappears.
 * An operation is never moved across another that touches the same models, nor across raw SQL or code.
 */
export function optimize(operations: readonly Operation[]): Operation[] {
  let ops = [...operations]
  for (let changed = true; changed; ) {
    changed = false
    outer: for (let i = 0; i < ops.length; i++) {
      const ri = refs(ops[i]!)
      const between = new Set<string>()
      for (let j = i + 1; j < ops.length; j++) {
        const rj = refs(ops[j]!)
        const crosses = [...rj].some((m) => between.has(m) || m === '*') || between.has('*')
        const result = crosses ? undefined : fold(ops[i]!, ops[j]!)
        if (result) {
          ops = [...ops.slice(0, i), ...result, ...ops.slice(i + 1, j), ...ops.slice(j + 1)]
          changed = true
          break outer
        }
        // Op i cannot absorb anything past an operation that touches the same models.
        if (ri.has('*') || [...rj].some((m) => ri.has(m) || m === '*')) break
        for (const m of rj) between.add(m)
      }
    }
  }
  return ops
}
