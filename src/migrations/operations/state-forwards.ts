import { MigrationError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import { RelationField } from '../../model/fields/relation-field.ts'
import type { IndexDef } from '../../model/model.ts'
import { cloneField, type ProjectState } from '../state.ts'
import type { Operation } from './operation.ts'

/** A stable key for an index definition: what it covers, not what it is called. */
export function indexKey(ix: IndexDef): string {
  return JSON.stringify([ix.fields, ix.unique ?? false, ix.where ?? null, ix.name ?? null])
}
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])

const missing = (what: string) => new MigrationError('MIGRATION_STATE', what)

/** Apply one operation to the state (Django's `state_forwards`). The state is changed in place. */
export function stateForwards(state: ProjectState, o: Operation): void {
  switch (o.type) {
    case 'createModel': {
      if (state.models.has(o.name)) throw missing(`createModel: model ${o.name} already exists at this point.`)
      state.models.set(o.name, {
        name: o.name,
        fields: new Map(Object.entries(o.fields).map(([n, f]) => [n, cloneField(f)])),
        options: {
          table: o.options.table,
          ordering: o.options.ordering,
          indexes: [...(o.options.indexes ?? [])].map((ix) => ({ ...ix })),
          uniqueTogether: [...(o.options.uniqueTogether ?? [])].map((u) => [...u]),
        },
        checks: [],
      })
      return
    }
    case 'deleteModel':
      state.model(o.name)
      state.models.delete(o.name)
      return
    case 'renameModel': {
      const m = state.model(o.oldName)
      if (state.models.has(o.newName)) throw missing(`renameModel: model ${o.newName} already exists.`)
      state.models.delete(o.oldName)
      m.name = o.newName
      state.models.set(o.newName, m)
      for (const other of state.models.values())
        for (const [n, f] of other.fields) {
          if (!(f instanceof RelationField)) continue
          const target = f.target === o.oldName ? o.newName : f.target
          const through = f.options.through === o.oldName ? o.newName : f.options.through
          if (target !== f.target || through !== f.options.through) {
            const opts = { ...f.options, ...(through !== undefined ? { through } : {}) }
            other.fields.set(n, new RelationField(f.kind as 'foreignKey', target, opts))
          }
        }
      return
    }
    case 'alterModelTable':
      state.model(o.name).options.table = o.table
      return
    case 'addField': {
      const m = state.model(o.model)
      if (m.fields.has(o.name)) throw missing(`addField: ${o.model}.${o.name} already exists.`)
      m.fields.set(o.name, cloneField(o.field))
      return
    }
    case 'removeField': {
      const m = state.model(o.model)
      fieldOf(state, o.model, o.name)
      m.fields.delete(o.name)
      const uses = (fields: readonly string[]) => fields.some((f) => f.replace(/^-/, '') === o.name)
      m.options.indexes = m.options.indexes.filter((ix) => !uses(ix.fields))
      m.options.uniqueTogether = m.options.uniqueTogether.filter((u) => !uses(u))
      return
    }
    case 'alterField':
      fieldOf(state, o.model, o.name)
      state.model(o.model).fields.set(o.name, cloneField(o.field))
      return
    case 'renameField': {
      const m = state.model(o.model)
      fieldOf(state, o.model, o.oldName)
      if (m.fields.has(o.newName)) throw missing(`renameField: ${o.model}.${o.newName} already exists.`)
      m.fields = new Map([...m.fields].map(([n, f]) => [n === o.oldName ? o.newName : n, f]))
      const ren = (n: string) => {
        const desc = n.startsWith('-')
        const bare = desc ? n.slice(1) : n
        return bare === o.oldName ? `${desc ? '-' : ''}${o.newName}` : n
      }
      m.options.indexes = m.options.indexes.map((ix) => ({
        ...ix,
        fields: ix.fields.map(ren),
        ...(ix.where
          ? {
              where: Object.fromEntries(Object.entries(ix.where).map(([k, v]) => [k === o.oldName ? o.newName : k, v])),
            }
          : {}),
      }))
      m.options.uniqueTogether = m.options.uniqueTogether.map((u) => u.map(ren))
      if (m.options.ordering) m.options.ordering = m.options.ordering.map(ren)
      return
    }
    case 'addIndex': {
      const m = state.model(o.model)
      m.options.indexes.push({ ...o.index })
      return
    }
    case 'removeIndex': {
      const m = state.model(o.model)
      const key = indexKey(o.index)
      const i = m.options.indexes.findIndex((ix) => indexKey(ix) === key)
      if (i < 0) throw missing(`removeIndex: ${o.model} has no index on (${o.index.fields.join(', ')}).`)
      m.options.indexes.splice(i, 1)
      return
    }
    case 'renameIndex': {
      const m = state.model(o.model)
      const ix = m.options.indexes.find((x) => x.name === o.oldName)
      if (!ix) throw missing(`renameIndex: ${o.model} has no index named ${o.oldName}.`)
      ix.name = o.newName
      return
    }
    case 'addConstraint': {
      const m = state.model(o.model)
      const c = o.constraint
      if ('unique' in c) m.options.uniqueTogether.push([...c.unique])
      else m.checks.push({ name: c.name, check: c.check })
      return
    }
    case 'removeConstraint': {
      const m = state.model(o.model)
      const c = o.constraint
      if ('unique' in c) {
        const i = m.options.uniqueTogether.findIndex((u) => sameSet(u, c.unique))
        if (i < 0) throw missing(`removeConstraint: ${o.model} has no unique (${c.unique.join(', ')}).`)
        m.options.uniqueTogether.splice(i, 1)
      } else {
        const i = m.checks.findIndex((x) => x.name === c.name)
        if (i < 0) throw missing(`removeConstraint: ${o.model} has no constraint ${c.name}.`)
        m.checks.splice(i, 1)
      }
      return
    }
    case 'runSql':
    case 'runCode':
      return
  }
}

function fieldOf(state: ProjectState, model: string, name: string): Field {
  const f = state.model(model).fields.get(name)
  if (!f) throw missing(`No field ${model}.${name} at this point of the migrations.`)
  return f
}
