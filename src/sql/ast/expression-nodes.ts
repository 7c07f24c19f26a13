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
  /** The parameter is a LIMIT / OFFSET count. */
  count?: boolean
  /** A JSON document to store (dialect decides the encoding). */
  json?: boolean
}

export type PatternLookup =
  | 'iexact'
  | 'contains'
  | 'icontains'
  | 'startswith'
  | 'istartswith'
  | 'endswith'
  | 'iendswith'

export type BinaryOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/'
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
  | { readonly k: 'cast'; readonly e: Expr; readonly to: 'float' }
  | { readonly k: 'ident'; readonly name: string }
  /** A random number (`orderBy('?')`): `RANDOM()`, `RAND()`… */
  | { readonly k: 'random' }

export const col = (t: string, c: string, field?: Field): Expr => ({ k: 'col', t, c, field })
export const lit = (sql: string): Expr => ({ k: 'lit', sql })
export const TRUE: Expr = { k: 'lit', sql: '1=1' }
export const FALSE: Expr = { k: 'lit', sql: '1=0' }

export function and(items: Expr[]): Expr {
  const flat = items.filter((e) => e !== TRUE)
  if (flat.length === 0) return TRUE
  return flat.length === 1 ? flat[0]! : { k: 'and', items: flat }
}
export function not(e: Expr): Expr {
  return { k: 'not', e }
}
export function or(items: Expr[]): Expr {
  if (items.length === 0) return FALSE
  return items.length === 1 ? items[0]! : { k: 'or', items }
}
