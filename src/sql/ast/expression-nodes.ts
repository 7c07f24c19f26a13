import type { Field } from '../../model/fields/field.ts'

/**
 * How a bound parameter is turned into the driver value: the field it is compared with or stored in (for type
 * conversion and validation) and the lookup that shapes it (`contains` wraps it in `%…%` on LIKE dialects).
 */
export interface ParamSpec {
  field?: Field | undefined
  lookup?: PatternLookup | 'regex' | 'iregex' | undefined
  /** The parameter is an array (an `in` list) bound as one array or expanded into placeholders. */
  list?: number | undefined
  /** The list is too long for one placeholder per value: bound as one JSON array (features.canBindJsonList). */
  jsonList?: boolean | undefined
  /** The value of `exact` on a string field: the field's conversion, then `ops.patternValue('exact')`. */
  exact?: boolean
  /** An integer operand of arithmetic: bound as an integer (`ops.integerParam`). */
  integer?: boolean
  /** The parameter is a LIMIT / OFFSET count. */
  count?: boolean
  /** A JSON document to store (dialect decides the encoding). */
  json?: boolean
  /** A value interpolated into raw SQL (the `sql` tag): bound as the ORM binds it, refused if it has no SQL form. */
  raw?: boolean
}

export type PatternLookup =
  | 'iexact'
  | 'contains'
  | 'icontains'
  | 'startswith'
  | 'istartswith'
  | 'endswith'
  | 'iendswith'

/** `div`: integer division, truncating toward zero (`ops.integerDivide`). */
export type BinaryOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | 'div'
export type AggregateFn = 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX'

export type Expr =
  | { readonly k: 'col'; readonly t: string; readonly c: string; readonly field?: Field | undefined }
  | { readonly k: 'param'; readonly i: number; readonly spec: ParamSpec }
  | { readonly k: 'lit'; readonly sql: string }
  | { readonly k: 'bin'; readonly op: BinaryOp; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'and' | 'or'; readonly items: readonly Expr[] }
  | { readonly k: 'not'; readonly e: Expr }
  | { readonly k: 'isnull'; readonly e: Expr; readonly negate: boolean }
  | { readonly k: 'in'; readonly e: Expr; readonly param: Expr & { k: 'param' } }
  | { readonly k: 'inSub'; readonly e: Expr; readonly sub: import('./select-node.ts').SelectNode }
  | { readonly k: 'exists'; readonly sub: import('./select-node.ts').SelectNode }
  | { readonly k: 'pattern'; readonly lookup: PatternLookup | 'exact'; readonly e: Expr; readonly p: Expr }
  | { readonly k: 'regex'; readonly ci: boolean; readonly e: Expr; readonly p: Expr }
  | { readonly k: 'between'; readonly e: Expr; readonly lo: Expr; readonly hi: Expr }
  | {
      readonly k: 'agg'
      readonly fn: AggregateFn
      readonly arg: Expr | null
      readonly distinct: boolean
      readonly filter?: Expr | undefined
      /** The value is a float (AVG) or the field's type. */
      readonly field?: Field | undefined
    }
  | { readonly k: 'fn'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly k: 'raw'; readonly parts: readonly string[]; readonly args: readonly Expr[] }
  | { readonly k: 'sub'; readonly sub: import('./select-node.ts').SelectNode }
  | { readonly k: 'cast'; readonly e: Expr; readonly to: 'float' | 'integer' }
  | { readonly k: 'ident'; readonly name: string }
  /** A random number (`orderBy('?')`): `RANDOM()`, `RAND()`… */
  | { readonly k: 'random' }
  /** A row value `(a, b)`, compared as a whole: `(a, b) < (?, ?)` (features.supportsRowValues). */
  | { readonly k: 'row'; readonly items: readonly Expr[] }

export const col = (t: string, c: string, field?: Field): Expr => ({ k: 'col', t, c, field })
export const lit = (sql: string): Expr => ({ k: 'lit', sql })
export const TRUE: Expr = { k: 'lit', sql: '1=1' }
/**
 * A condition no row meets (an empty `in` list, Django's `EmptyResultSet`). The helpers below fold it away, so a
 * statement whose whole WHERE folds to it is answered without running (`[]`, `0`, `false`).
 */
export const FALSE: Expr = { k: 'lit', sql: '1=0' }

// Constant folding is sound in SQL's three-valued logic: x AND FALSE is FALSE and x OR TRUE is TRUE even when x is
// NULL, and NOT flips only the two constants.
export function and(items: Expr[]): Expr {
  const flat = items.filter((e) => e !== TRUE)
  if (flat.includes(FALSE)) return FALSE
  if (flat.length === 0) return TRUE
  return flat.length === 1 ? flat[0]! : { k: 'and', items: flat }
}
export function not(e: Expr): Expr {
  if (e === TRUE) return FALSE
  if (e === FALSE) return TRUE
  return { k: 'not', e }
}
export function or(items: Expr[]): Expr {
  if (items.includes(TRUE)) return TRUE
  const flat = items.filter((e) => e !== FALSE)
  if (flat.length === 0) return FALSE
  return flat.length === 1 ? flat[0]! : { k: 'or', items: flat }
}
