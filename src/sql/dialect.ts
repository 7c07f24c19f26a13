import type { Field } from '../model/fields/field.ts'
import type { PatternLookup } from './ast/expression-nodes.ts'

/** A value conversion (JS value → driver value, or back). */
export type Converter = (v: unknown) => unknown

/**
 * The capability flags the builders and the compiler read: all a dialect is to them, apart from its snippets.
 * Backends implement it (`BaseFeatures`, with each flag's default and doc); nothing here knows a vendor's name.
 */
export interface DialectFeatures {
  /** Maximum bound parameters in one statement. */
  readonly maxBindParams: number
  /** An array can be bound as one parameter (`= ANY($1)`). */
  readonly hasArrayParams: boolean
  /** A long list can be bound as one JSON array parameter and read back as rows. */
  readonly canBindJsonList: boolean
  /** The native case-insensitive LIKE folds ASCII only. */
  readonly foldsCaseAsciiOnly: boolean
  /** `ORDER BY x NULLS FIRST|LAST` syntax. */
  readonly supportsNullsOrdering: boolean
  /** `COUNT(x) FILTER (WHERE …)`. */
  readonly supportsAggregateFilter: boolean
  /** `OFFSET` needs a `LIMIT` before it. */
  readonly requiresLimitForOffset: boolean
  /** A subquery on the table being updated or deleted needs wrapping in a derived table. */
  readonly requiresDerivedTableForSelfSubquery: boolean
  /** Row value comparison `(a, b) < (?, ?)`. */
  readonly supportsRowValues: boolean
  /** The planner ranges an index on a row value comparison (keyset pagination uses it then). */
  readonly canUseIndexForRowValueComparison: boolean
  /** With no NULLS FIRST/LAST, NULL sorts before every value ascending. */
  readonly hasNullsFirstWhenAscending: boolean
  /** `UPDATE t SET … FROM (VALUES …) AS v` (otherwise bulk updates join a derived table). */
  readonly supportsUpdateFromValues: boolean
  /** `INSERT … SELECT * FROM UNNEST($1::t[], …)`: one array parameter per column. */
  readonly canInsertFromArrays: boolean
  /** `UPDATE … FROM UNNEST($1::t[], …)`: bulk updates bind one array parameter per column. */
  readonly canUpdateFromArrays: boolean
  /** `INSERT … RETURNING` works on multi-row inserts, rows in insertion order (bulk creates set primary keys). */
  readonly canReturnRowsFromBulkInsert: boolean
  /** `INSERT … ON CONFLICT DO NOTHING` / `INSERT IGNORE`. */
  readonly supportsIgnoreConflicts: boolean
  /** Ignoring conflicts skips unique violations only (not foreign key or value errors, as `INSERT IGNORE` does). */
  readonly canIgnoreUniqueConflictsOnly: boolean
  /** Upsert updating named columns on conflict. */
  readonly supportsUpdateConflicts: boolean
  /** The upsert names its conflict target columns (otherwise it fires on any unique key). */
  readonly supportsUpdateConflictsWithTarget: boolean
  /** Row locks (`SELECT … FOR UPDATE`); without them `selectForUpdate()` emits nothing, as in Django. */
  readonly supportsSelectForUpdate: boolean
}

/**
 * The SQL snippets and value conversions the compiler asks a dialect for (Django's `operations`). Backends
 * implement it (`BaseOperations`, overriding only what their SQL spells differently).
 */
export interface DialectOperations {
  /** Quote an identifier. */
  quote(name: string): string
  /** A value inlined as a literal (DDL such as partial-index conditions takes no parameters). */
  literal(v: unknown): string
  /** Placeholder for the n-th bound value (1-based). */
  placeholder(n: number): string
  /** `lhs <lookup> rhs` for the string pattern lookups (and `exact` on string fields). */
  pattern(lookup: PatternLookup | 'exact', lhs: string, rhs: string): string
  /** The bound value for a pattern lookup: escaped and wrapped in wildcards. */
  patternValue(lookup: PatternLookup | 'exact'): Converter | null
  regex(ci: boolean, lhs: string, rhs: string): string
  /** `lhs IN (…)` over a list bound as one JSON array. */
  inJsonList(lhs: string, param: string, field: Field | undefined): string
  /** One element of such a list, as JSON can carry it. */
  jsonListElement(v: unknown): unknown
  /** A case-insensitive match choosing, by a bound flag, a Unicode-aware matcher over the `native` SQL. */
  unicodeCaseInsensitive(lhs: string, flag: string, pattern: string, native: string): string
  /** `LIMIT ? OFFSET ?` (either part may be absent). */
  limitOffset(limit: string | null, offset: string | null): string
  /** An ORDER BY term with explicit null placement. */
  orderTerm(expr: string, desc: boolean, nulls: 'first' | 'last' | undefined, native: boolean): string
  /** The function giving a random number, for `orderBy('?')`. */
  random(): string
  /** `CAST(x AS <float>)`. */
  castFloat(expr: string): string
  /** `CAST(x AS <64-bit integer>)`. */
  castInteger(expr: string): string
  /** Integer division truncating toward zero (`/` on two integers; MySQL's `DIV`). */
  integerDivide(lhs: string, rhs: string): string
  /** An integer operand of arithmetic as the driver binds it typed an integer (node:sqlite: a bigint). */
  integerParam(v: unknown): unknown
  /** `INSERT … ON CONFLICT` tail. */
  onConflict(c: { update?: readonly string[]; target?: readonly string[] }): string
  /** The tail of an INSERT with no column values. */
  emptyInsert(rows: number): string
  /** Keyword in `INSERT <kw> INTO`. */
  insertModifier(c: { update?: readonly string[] } | undefined): string
  /** A placeholder whose type the statement cannot infer (a bulk update's VALUES list): cast where needed. */
  typedParam(placeholder: string, field: Field): string
  /** One column's array parameter of `INSERT … SELECT * FROM UNNEST(…)`. */
  arrayParam(placeholder: string, field: Field): string
  /** Converter from a JS value to the driver value for `field`, validating its type. */
  toDb(field: Field | undefined): Converter | null
  jsonToDb(v: unknown): unknown
  /** A value interpolated into raw SQL, bound as the ORM binds its type; refused if it has no SQL form. */
  readonly rawToDb: Converter
}
