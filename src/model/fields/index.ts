import { type AllFieldOptions, Field, type FieldOptions } from './field.ts'
import { type OnDelete, RelationField } from './relation-field.ts'

/** Options of a field whose type argument was given explicitly (`f.json<Meta>(…)`): TypeScript cannot infer
 * them then, so the field is typed permissively: may be null, may be omitted. */
declare const unknownOptions: unique symbol
export type UnknownOptions = { readonly [unknownOptions]: true }

type IsNull<O> = O extends UnknownOptions ? boolean : O extends { null: true } ? true : false
type IsOptional<O> = O extends UnknownOptions
  ? boolean
  : O extends { null: true } | { default: unknown } | { primaryKey: true }
    ? true
    : false
type IsAuto<O> = O extends { autoNow: true } | { autoNowAdd: true } ? true : IsOptional<O>

export interface StringOptions extends FieldOptions<string> {
  maxLength: number
}
export interface DecimalOptions extends FieldOptions<string> {
  maxDigits: number
  decimalPlaces: number
}
export interface DatetimeOptions extends FieldOptions<Date> {
  /** Set to now on every save. */
  autoNow?: boolean
  /** Set to now when first inserted. */
  autoNowAdd?: boolean
}
export interface ForeignKeyOptions {
  null?: boolean
  onDelete?: OnDelete
  relatedName?: string
  column?: string
  dbIndex?: boolean
  primaryKey?: boolean
  unique?: boolean
  toField?: string
}
export interface ManyToManyOptions {
  relatedName?: string
  through?: string
}

type RelName<O> = O extends { relatedName: infer R extends string } ? R : '<default>'

/** JSON-compatible value, the default type of `f.json()`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

type IsPk<O> = O extends { primaryKey: true } ? true : false

const make = <T, O>(kind: Field['kind'], o: O | undefined) =>
  new Field(kind, (o ?? {}) as AllFieldOptions) as Field<T, IsNull<O>, IsOptional<O>, IsPk<O>>

/**
 * Field constructors.
 *
 * @example
 * const Post = model('Post', { title: f.string({ maxLength: 200, dbIndex: true }), views: f.integer({ default: 0 }) })
 */
export const f = {
  /** `varchar(maxLength)`. */
  string: <const O extends StringOptions>(o: O) => make<string, O>('string', o),
  text: <const O extends FieldOptions<string> = {}>(o?: O) => make<string, O>('text', o),
  integer: <const O extends FieldOptions<number> = {}>(o?: O) => make<number, O>('integer', o),
  /** 64-bit integer as a JS `bigint`. */
  bigint: <const O extends FieldOptions<bigint> = {}>(o?: O) => make<bigint, O>('bigint', o),
  float: <const O extends FieldOptions<number> = {}>(o?: O) => make<number, O>('float', o),
  /** Exact decimal, exposed as a `string` so no precision is lost. */
  decimal: <const O extends DecimalOptions>(o: O) => make<string, O>('decimal', o),
  boolean: <const O extends FieldOptions<boolean> = {}>(o?: O) => make<boolean, O>('boolean', o),
  /** Timestamp, stored in UTC, read as `Date`. */
  datetime: <const O extends DatetimeOptions = {}>(o?: O) =>
    new Field('datetime', (o ?? {}) as AllFieldOptions) as Field<Date, IsNull<O>, IsAuto<O>, IsPk<O>>,
  /** Calendar date as a `'YYYY-MM-DD'` string. */
  date: <const O extends FieldOptions<string> = {}>(o?: O) => make<string, O>('date', o),
  /** JSON document; `T` is the type you store. */
  json: <T = JsonValue, const O extends FieldOptions<T> | UnknownOptions = UnknownOptions>(o?: FieldOptions<T> | O) =>
    make<T, O>('json', o as O),
  uuid: <const O extends FieldOptions<string> = {}>(o?: O) => make<string, O>('uuid', o),
  /** One of a fixed list of strings. */
  enum: <const V extends readonly string[], const O extends FieldOptions<V[number]> = {}>(values: V, o?: O) =>
    new Field('enum', {
      ...(o ?? {}),
      choices: values,
      maxLength: Math.max(1, ...values.map((v) => v.length)),
    }) as Field<V[number], IsNull<O>, IsOptional<O>, IsPk<O>>,
  /** Many-to-one. Stored as `<name>_id`, indexed, `ON DELETE` enforced by the database. */
  foreignKey: <const T extends string, const O extends ForeignKeyOptions = {}>(target: T, o?: O) =>
    new RelationField('foreignKey', target, (o ?? {}) as AllFieldOptions) as RelationField<
      T,
      IsNull<O>,
      'foreignKey',
      RelName<O>
    >,
  oneToOne: <const T extends string, const O extends ForeignKeyOptions = {}>(target: T, o?: O) =>
    new RelationField('oneToOne', target, (o ?? {}) as AllFieldOptions) as RelationField<
      T,
      IsNull<O>,
      'oneToOne',
      RelName<O>
    >,
  /** Many-to-many through an automatic join table, or `{ through: 'Membership' }`. */
  manyToMany: <const T extends string, const O extends ManyToManyOptions = {}>(target: T, o?: O) =>
    new RelationField('manyToMany', target, (o ?? {}) as AllFieldOptions) as RelationField<
      T,
      false,
      'manyToMany',
      RelName<O>
    >,
}

export type { AnyField } from './field.ts'
export { Field, RelationField }
