import type { Field } from '../model/fields/field.ts'
import type { Expr, ParamSpec } from './ast/expression-nodes.ts'
import type { SelectNode } from './ast/select-node.ts'
import type { StatementNode } from './ast/write-nodes.ts'
import type { DialectFeatures } from './dialect.ts'
import type { ModelLayout, RowLayout } from './resolve/select-builder.ts'

/**
 * The shape key of a built statement: everything that decides its SQL, its bind plan and its row mapper, and
 * nothing else — the AST with its parameter values left out, plus the row layout. Derived from the very tree the
 * compiler compiles, so two statements with one key compile to the same SQL; no builder writes a key by hand.
 *
 * @example
 * shapeKey(buildSelect(Post.filter({ id: 5 })).node, layout, features) === shapeKey(…{ id: 6 }…)   // true
 */
export function shapeKey(node: StatementNode, layout: RowLayout | undefined, features: DialectFeatures): string {
  const w = new KeyWriter(features.hasArrayParams)
  w.statement(node)
  if (layout) w.layout(layout)
  return w.out
}

// Fields are told apart by identity (their converters differ), numbered on first sight.
const fieldIds = new WeakMap<Field, number>()
let nextFieldId = 0
function fieldId(f: Field): number {
  let id = fieldIds.get(f)
  if (id === undefined) fieldIds.set(f, (id = nextFieldId++))
  return id
}

class KeyWriter {
  out = ''
  readonly #arrayParams: boolean
  constructor(arrayParams: boolean) {
    this.#arrayParams = arrayParams
  }

  statement(n: StatementNode): void {
    switch (n.k) {
      case 'select':
        this.select(n)
        return
      case 'insert':
        this.out += `I${n.table}(${n.columns.join(',')})R${n.returning?.join(',') ?? ''}C${n.onConflict ? `${n.onConflict.update?.join(',') ?? '-'}/${n.onConflict.target?.join(',') ?? ''}` : ''}V`
        for (const row of n.rows) {
          this.out += '('
          for (const e of row) this.expr(e)
          this.out += ')'
        }
        return
      case 'update':
        this.out += `U${n.table}S`
        for (const [c, e] of n.sets) {
          this.out += `${c}=`
          this.expr(e)
        }
        this.opt('W', n.where)
        return
      case 'delete':
        this.out += `D${n.table}`
        this.opt('W', n.where)
        return
      case 'rawStatement':
        this.raw(n.parts, n.args)
        return
      case 'bulkInsert':
        // Values bind positionally, already converted: the columns, the row count (or arrays) and the tail decide.
        this.out += `BI${n.table}(${n.fields.map((f) => fieldId(f)).join(',')})${n.fromArrays ? 'A' : n.rows}R${n.returning?.join(',') ?? ''}C${n.onConflict ? `${n.onConflict.update?.join(',') ?? '-'}/${n.onConflict.target?.join(',') ?? ''}` : ''}`
        return
      case 'bulkUpdate':
        this.out += `BU${n.table}(${[n.pk, ...n.fields].map((f) => fieldId(f)).join(',')})${n.fromArrays ? 'A' : n.rows}`
        return
    }
  }

  select(n: SelectNode): void {
    this.out += n.distinct ? 'SD(' : 'S('
    for (const c of n.columns) {
      this.expr(c.e)
      if (c.alias !== undefined) this.out += `as${c.alias}`
      this.out += ','
    }
    if ('sub' in n.from) {
      this.out += ')F('
      this.select(n.from.sub)
      this.out += `)${n.from.alias}`
    } else this.out += `)F${n.from.table} ${n.from.alias}`
    for (const j of n.joins) {
      this.out += `J${j.type}${j.table} ${j.alias}:`
      this.expr(j.on)
    }
    this.opt('W', n.where)
    if (n.groupBy) {
      this.out += 'G'
      for (const g of n.groupBy) this.expr(g)
    }
    this.opt('H', n.having)
    if (n.orderBy) {
      this.out += 'O'
      for (const o of n.orderBy) {
        this.expr(o.e)
        this.out += `${o.desc ? 'd' : 'a'}${o.nulls ?? ''},`
      }
    }
    this.opt('L', n.limit)
    this.opt('o', n.offset)
    if (n.lock) this.out += `X${n.lock.noWait ? 'n' : ''}${n.lock.skipLocked ? 's' : ''}${n.lock.of?.join(',') ?? ''}`
    this.out += ';'
  }

  opt(tag: string, e: Expr | undefined): void {
    if (e === undefined) return
    this.out += tag
    this.expr(e)
  }

  expr(e: Expr): void {
    switch (e.k) {
      case 'col':
        this.out += `${e.t}.${e.c} `
        return
      case 'param':
        this.param(e.i, e.spec)
        return
      case 'lit':
        this.out += `'${e.sql}'`
        return
      case 'bin':
        this.out += `(${e.op}`
        this.expr(e.l)
        this.expr(e.r)
        this.out += ')'
        return
      case 'and':
      case 'or':
        this.out += `(${e.k}`
        for (const i of e.items) this.expr(i)
        this.out += ')'
        return
      case 'not':
        this.out += '(!'
        this.expr(e.e)
        this.out += ')'
        return
      case 'isnull':
        this.out += e.negate ? '(nn' : '(n'
        this.expr(e.e)
        this.out += ')'
        return
      case 'in':
        this.out += '(in'
        this.expr(e.e)
        this.param(e.param.i, e.param.spec)
        this.out += ')'
        return
      case 'inSub':
        this.out += '(inS'
        this.expr(e.e)
        this.select(e.sub)
        this.out += ')'
        return
      case 'exists':
        this.out += '(ex'
        this.select(e.sub)
        this.out += ')'
        return
      case 'pattern':
        this.out += `(p${e.lookup}`
        this.expr(e.e)
        this.expr(e.p)
        this.out += ')'
        return
      case 'regex':
        this.out += e.ci ? '(ri' : '(r'
        this.expr(e.e)
        this.expr(e.p)
        this.out += ')'
        return
      case 'between':
        this.out += '(bw'
        this.expr(e.e)
        this.expr(e.lo)
        this.expr(e.hi)
        this.out += ')'
        return
      case 'agg':
        this.out += `(${e.fn}${e.distinct ? 'D' : ''}`
        if (e.arg) this.expr(e.arg)
        this.opt('f', e.filter)
        this.out += ')'
        return
      case 'fn':
        this.out += `(${e.name}`
        for (const a of e.args) this.expr(a)
        this.out += ')'
        return
      case 'raw':
        this.out += '(raw'
        this.raw(e.parts, e.args)
        this.out += ')'
        return
      case 'sub':
        this.out += '(sub'
        this.select(e.sub)
        this.out += ')'
        return
      case 'cast':
        this.out += `(cast${e.to}`
        this.expr(e.e)
        this.out += ')'
        return
      case 'ident':
        this.out += `"${e.name}"`
        return
      case 'random':
        this.out += '(rnd)'
        return
      case 'row':
        this.out += '(row'
        for (const i of e.items) this.expr(i)
        this.out += ')'
        return
    }
  }

  raw(parts: readonly string[], args: readonly Expr[]): void {
    this.out += JSON.stringify(parts)
    for (const a of args) this.expr(a)
  }

  /**
   * A placeholder: which value, converted how (field, lookup, count, integer, exact, json), and how many if a list is
   * expanded.
   */
  param(i: number, s: ParamSpec): void {
    this.out += `$${i}`
    if (s.field !== undefined) this.out += `f${fieldId(s.field)}`
    if (s.lookup !== undefined) this.out += s.lookup
    if (s.count) this.out += 'c'
    if (s.integer) this.out += 'i'
    if (s.exact) this.out += 'x'
    if (s.json) this.out += 'j'
    if (s.jsonList) this.out += 'J'
    else if (s.list !== undefined && !this.#arrayParams) this.out += `#${s.list}`
    this.out += ' '
  }

  layout(l: RowLayout): void {
    if (l.kind === 'values') {
      this.out += `|V${l.mode}:${l.names.join(',')}`
      return
    }
    this.out += '|I'
    this.model(l.root)
    for (const a of l.annotations) this.out += `+${a.name}@${a.index}`
  }

  model(m: ModelLayout): void {
    this.out += `(${m.meta.name}.${m.name}${m.nullable ? '?' : ''}@${m.offset}:`
    for (const f of m.fields) this.out += `${f.attname},`
    for (const c of m.children) this.model(c)
    this.out += ')'
  }
}
