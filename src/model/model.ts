import type { AnyField } from './fields/field.ts'

export interface IndexDef {
  /** Field names; a leading `-` sorts that column descending. */
  fields: readonly string[]
  name?: string
  unique?: boolean
  /** Partial index condition, a filter object on the model's own fields. */
  where?: Record<string, unknown>
}

export interface ModelOptions {
  /** Table name; default: snake_case of the model name. */
  table?: string
  /** Default ordering, e.g. `['-createdAt']`. */
  ordering?: readonly string[]
  indexes?: readonly IndexDef[]
  /** Sets of fields unique together. */
  uniqueTogether?: readonly (readonly string[])[]
}

export type FieldsRecord = Record<string, AnyField>

/** A model declaration. It becomes usable once a `defineSchema` call binds it. */
export class ModelDef<Name extends string = string, F extends FieldsRecord = FieldsRecord> {
  readonly name: Name
  readonly fields: F
  readonly options: ModelOptions
  constructor(name: Name, fields: F, options: ModelOptions) {
    this.name = name
    this.fields = fields
    this.options = options
  }
}

export type AnyModel = ModelDef<string, FieldsRecord>

/**
 * Declare a model.
 *
 * @example
 * const Author = model('Author', { name: f.string({ maxLength: 100 }) })
 * // CREATE TABLE "author" ("id" integer PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL)
 */
export function model<const Name extends string, const F extends FieldsRecord>(
  name: Name,
  fields: F,
  options: ModelOptions = {},
): ModelDef<Name, F> {
  return new ModelDef(name, fields, options)
}

/**
 * Declare an index for `ModelOptions.indexes`.
 *
 * @example
 * index(['author', '-createdAt'])                      // composite
 * index(['title'], { where: { published: true } })    // partial
 */
export function index(fields: readonly string[], options: Omit<IndexDef, 'fields'> = {}): IndexDef {
  return { fields, ...options }
}

/** `createdAt` → `created_at`, `BlogPost` → `blog_post`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
}
