import { MigrationError } from '../errors.ts'
import type { Field } from '../model/fields/field.ts'
import { Field as FieldClass } from '../model/fields/field.ts'
import { RelationField } from '../model/fields/relation-field.ts'
import { type IndexDef, ModelDef, type ModelOptions, snakeCase } from '../model/model.ts'
import { Schema } from '../model/schema.ts'

/** A check constraint written in a migration (models do not declare them; SQL text of the condition). */
export interface CheckConstraint {
  name: string
  check: string
}

/** One model as the migrations know it: its declared fields (unbound copies) and options. */
export interface ModelState {
  name: string
  /** Declared fields in order; the implicit `id` is not listed (the schema adds it, as `model()` does). */
  fields: Map<string, Field>
  options: {
    table?: string | undefined
    ordering?: readonly string[] | undefined
    indexes: IndexDef[]
    uniqueTogether: (readonly string[])[]
  }
  checks: CheckConstraint[]
}

/**
 * A copy of a field that no schema has bound yet, so several states can each bind their own. Read by shape, not
 * `instanceof`: a migration file may have been given another copy of quarry (the build instead of the sources).
 */
export function cloneField(f: Field): Field {
  const options = { ...f.options }
  if (f.kind === 'foreignKey' || f.kind === 'oneToOne' || f.kind === 'manyToMany')
    return new RelationField(f.kind, (f as RelationField).target, options)
  return new FieldClass(f.kind, options)
}

/**
 * The models at one point of the migration history (Django's `ProjectState`). Built by replaying the migration
 * files from empty, or read from today's schema; `toSchema()` binds it so the schema editor and `runCode` can use it.
 */
export class ProjectState {
  readonly models = new Map<string, ModelState>()
  #schema: Schema | undefined

  static fromSchema(schema: Schema): ProjectState {
    const state = new ProjectState()
    for (const meta of schema.userModels()) {
      const fields = new Map<string, Field>()
      for (const [name, f] of Object.entries(meta.def.fields)) fields.set(name, cloneField(f))
      const o = meta.def.options
      state.models.set(meta.name, {
        name: meta.name,
        fields,
        options: {
          table: o.table,
          ordering: o.ordering,
          indexes: [...(o.indexes ?? [])].map((ix) => ({ ...ix })),
          uniqueTogether: [...(o.uniqueTogether ?? [])].map((u) => [...u]),
        },
        checks: [],
      })
    }
    return state
  }

  clone(): ProjectState {
    const next = new ProjectState()
    for (const [name, m] of this.models)
      next.models.set(name, {
        name: m.name,
        fields: new Map([...m.fields].map(([n, f]) => [n, cloneField(f)])),
        options: {
          table: m.options.table,
          ordering: m.options.ordering,
          indexes: m.options.indexes.map((ix) => ({ ...ix })),
          uniqueTogether: m.options.uniqueTogether.map((u) => [...u]),
        },
        checks: m.checks.map((c) => ({ ...c })),
      })
    return next
  }

  /** The table a model uses (its `table` option, or snake_case of its name). */
  table(name: string): string {
    const m = this.model(name)
    return m.options.table ?? snakeCase(m.name)
  }

  model(name: string): ModelState {
    const m = this.models.get(name)
    if (!m)
      throw new MigrationError(
        'MIGRATION_STATE',
        `No model '${name}' at this point of the migrations. Models: ${[...this.models.keys()].join(', ') || '(none)'}.`,
      )
    return m
  }

  /** The state bound as a schema (cached; states are not changed after they are bound). */
  toSchema(): Schema {
    if (this.#schema) return this.#schema
    const defs: Record<string, ModelDef> = {}
    for (const m of this.models.values()) {
      const fields: Record<string, Field> = {}
      for (const [n, f] of m.fields) fields[n] = cloneField(f)
      const options: ModelOptions = {
        indexes: m.options.indexes,
        uniqueTogether: m.options.uniqueTogether,
        ...(m.options.table !== undefined ? { table: m.options.table } : {}),
        ...(m.options.ordering !== undefined ? { ordering: m.options.ordering } : {}),
      }
      defs[m.name] = new ModelDef(m.name, fields as Record<string, never>, options)
    }
    this.#schema = new Schema(defs)
    return this.#schema
  }
}
