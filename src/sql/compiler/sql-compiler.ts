import { InvalidValueError } from '../../errors.ts'
import type { Expr, ParamSpec } from '../ast/expression-nodes.ts'
import type { SelectNode } from '../ast/select-node.ts'
import type {
  BulkInsertNode,
  BulkUpdateNode,
  DeleteNode,
  InsertNode,
  RawNode,
  StatementNode,
  UpdateNode,
} from '../ast/write-nodes.ts'
import type { BindSlot, CompiledQuery } from '../compiled-query.ts'
import type { Converter, DialectFeatures, DialectOperations } from '../dialect.ts'

/**
 * The one SQL compiler. Dialects differ only through `features` flags and `operations` snippets
 * (STYLE.md: flags, then snippets, then hooks — never a copied builder).
 *
 * @example
 * compiler.compile({ k: 'delete', table: 'author', where: … })
 * // { sql: 'DELETE FROM "author" WHERE "author"."id" = ?', bind: [{ i: 0, el: -1, conv }], tables: ['author'] }
 */
export class SqlCompiler {
  readonly ops: DialectOperations
  readonly features: DialectFeatures

  constructor(ops: DialectOperations, features: DialectFeatures) {
    this.ops = ops
    this.features = features
  }

  compile(node: StatementNode): CompiledQuery {
    const st = new CompileState()
    let sql: string
    switch (node.k) {
      case 'select':
        sql = this.select(node, st)
        break
      case 'insert':
        sql = this.insert(node, st)
        break
      case 'update':
        sql = this.update(node, st)
        break
      case 'delete':
        sql = this.delete(node, st)
        break
      case 'rawStatement':
        sql = this.raw(node.parts, node.args, st)
        break
      case 'bulkInsert':
        sql = this.bulkInsert(node, st)
        break
      case 'bulkUpdate':
        sql = this.bulkUpdate(node, st)
        break
    }
    return { sql, bind: st.bind, tables: [...st.tables] }
  }

  /**
   * A condition with its values written in as literals (`ops.literal`) and its columns unqualified: for DDL,
   * which takes no parameters (partial-index conditions). Values are quoted by the dialect, never spliced in.
   *
   * @example
   * compiler.compileCondition(buildIndexCondition(Post, { published: true }, features))
   * // SQLite: '"published" = 1'   PostgreSQL: '"published" = TRUE'
   */
  compileCondition(expr: Expr, values: readonly unknown[]): string {
    const st = new CompileState()
    st.inline = values
    return this.expr(expr, st)
  }

  protected q(name: string): string {
    return this.ops.quote(name)
  }

  // ---- statements --------------------------------------------------------------------------------------------

  select(n: SelectNode, st: CompileState): string {
    let s = n.distinct ? 'SELECT DISTINCT ' : 'SELECT '
    s += n.columns.map((c) => (c.alias ? `${this.expr(c.e, st)} AS ${this.q(c.alias)}` : this.expr(c.e, st))).join(', ')
    if ('sub' in n.from) s += ` FROM (${this.select(n.from.sub, st)}) ${this.q(n.from.alias)}`
    else s += ` FROM ${this.tableRef(n.from.table, n.from.alias, st)}`
    for (const j of n.joins) s += ` ${j.type} JOIN ${this.tableRef(j.table, j.alias, st)} ON ${this.expr(j.on, st)}`
    if (n.where) s += ` WHERE ${this.expr(n.where, st)}`
    if (n.groupBy?.length) s += ` GROUP BY ${n.groupBy.map((g) => this.expr(g, st)).join(', ')}`
    if (n.having) s += ` HAVING ${this.expr(n.having, st)}`
    if (n.orderBy?.length)
      s += ` ORDER BY ${n.orderBy.map((o) => this.ops.orderTerm(this.expr(o.e, st), o.desc, o.nulls, this.features.supportsNullsOrdering)).join(', ')}`
    if (n.limit || n.offset) {
      const limit = n.limit ? this.expr(n.limit, st) : n.offset && this.features.requiresLimitForOffset ? '-1' : null
      s += this.ops.limitOffset(limit, n.offset ? this.expr(n.offset, st) : null)
    }
    // SQLite has no row locks: its database write lock (BEGIN IMMEDIATE) already serialises writers.
    if (n.lock && this.features.supportsSelectForUpdate) {
      s += ' FOR UPDATE'
      if (n.lock.of?.length) s += ` OF ${n.lock.of.map((t) => this.q(t)).join(', ')}`
      if (n.lock.noWait) s += ' NOWAIT'
      else if (n.lock.skipLocked) s += ' SKIP LOCKED'
    }
    return s
  }

  insert(n: InsertNode, st: CompileState): string {
    st.tables.add(n.table)
    const cols = n.columns.map((c) => this.q(c)).join(', ')
    const rows = n.rows.map((r) => `(${r.map((e) => this.expr(e, st)).join(', ')})`).join(', ')
    let s = `INSERT ${this.ops.insertModifier(n.onConflict)}INTO ${this.q(n.table)} `
    s += n.columns.length ? `(${cols}) VALUES ${rows}` : this.ops.emptyInsert(n.rows.length)
    if (n.onConflict) s += this.ops.onConflict(n.onConflict)
    if (n.returning?.length) s += ` RETURNING ${n.returning.map((c) => this.q(c)).join(', ')}`
    return s
  }

  /**
   * @example
   * // 2 rows: INSERT INTO "tag" ("name") VALUES (?), (?) RETURNING "id"
   * // fromArrays (PostgreSQL): INSERT INTO "tag" ("name") SELECT * FROM UNNEST($1::varchar(50)[]) RETURNING "id"
   */
  bulkInsert(n: BulkInsertNode, st: CompileState): string {
    st.tables.add(n.table)
    const width = n.fields.length
    let s = `INSERT ${this.ops.insertModifier(n.onConflict)}INTO ${this.q(n.table)} `
    if (width === 0) s += this.ops.emptyInsert(n.rows)
    else {
      s += `(${n.fields.map((f) => this.q(f.column)).join(', ')}) `
      if (n.fromArrays)
        s += `SELECT * FROM UNNEST(${n.fields.map((f, c) => this.ops.arrayParam(this.slot(c, -1, null, st), f)).join(', ')})`
      else {
        const rows = new Array<string>(n.rows)
        for (let r = 0, i = 0; r < n.rows; r++) {
          let row = '('
          for (let c = 0; c < width; c++, i++) row += (c ? ', ' : '') + this.slot(i, -1, null, st)
          rows[r] = `${row})`
        }
        s += `VALUES ${rows.join(', ')}`
      }
    }
    if (n.onConflict) s += this.ops.onConflict(n.onConflict)
    if (n.returning?.length) s += ` RETURNING ${n.returning.map((c) => this.q(c)).join(', ')}`
    return s
  }

  /**
   * @example
   * // UPDATE "blog_post" SET "title" = "v"."column2" FROM (VALUES (?, ?), (?, ?)) AS "v"
   * //   WHERE "blog_post"."id" = "v"."column1"
   * // without UPDATE … FROM (MySQL): UPDATE `blog_post` JOIN (SELECT ? AS `c0`, ? AS `c1` UNION ALL SELECT ?, ?)
   * //   AS `v` ON `blog_post`.`id` = `v`.`c0` SET `blog_post`.`title` = `v`.`c1`
   * // fromArrays (PostgreSQL): UPDATE "blog_post" SET "title" = "v"."c1"
   * //   FROM UNNEST($1::bigint[], $2::varchar(200)[]) AS "v"("c0", "c1") WHERE "blog_post"."id" = "v"."c0"
   */
  bulkUpdate(n: BulkUpdateNode, st: CompileState): string {
    st.tables.add(n.table)
    const t = this.q(n.table)
    const v = this.q('v')
    const cols = [n.pk, ...n.fields]
    if (n.fromArrays) {
      const arrays = cols.map((f, c) => this.ops.arrayParam(this.slot(c, -1, null, st), f)).join(', ')
      const names = cols.map((_, c) => this.q(`c${c}`)).join(', ')
      const sets = n.fields.map((f, c) => `${this.q(f.column)} = ${v}.${this.q(`c${c + 1}`)}`).join(', ')
      return `UPDATE ${t} SET ${sets} FROM UNNEST(${arrays}) AS ${v}(${names}) WHERE ${t}.${this.q(n.pk.column)} = ${v}.${this.q('c0')}`
    }
    const rows = new Array<string>(n.rows)
    const join = !this.features.supportsUpdateFromValues
    for (let r = 0, i = 0; r < n.rows; r++) {
      let row = ''
      for (let c = 0; c < cols.length; c++, i++) {
        const ph = this.ops.typedParam(this.slot(i, -1, null, st), cols[c]!)
        row += (c ? ', ' : '') + (join && r === 0 ? `${ph} AS ${this.q(`c${c}`)}` : ph)
      }
      rows[r] = join ? `SELECT ${row}` : `(${row})`
    }
    if (join) {
      const sets = n.fields.map((f, c) => `${t}.${this.q(f.column)} = ${v}.${this.q(`c${c + 1}`)}`).join(', ')
      return `UPDATE ${t} JOIN (${rows.join(' UNION ALL ')}) AS ${v} ON ${t}.${this.q(n.pk.column)} = ${v}.${this.q('c0')} SET ${sets}`
    }
    const sets = n.fields.map((f, c) => `${this.q(f.column)} = ${v}.${this.q(`column${c + 2}`)}`).join(', ')
    return `UPDATE ${t} SET ${sets} FROM (VALUES ${rows.join(', ')}) AS ${v} WHERE ${t}.${this.q(n.pk.column)} = ${v}.${this.q('column1')}`
  }

  update(n: UpdateNode, st: CompileState): string {
    st.tables.add(n.table)
    let s = `UPDATE ${this.q(n.table)} SET ${n.sets.map(([c, e]) => `${this.q(c)} = ${this.expr(e, st)}`).join(', ')}`
    if (n.where) s += ` WHERE ${this.expr(n.where, st)}`
    return s
  }

  delete(n: DeleteNode, st: CompileState): string {
    st.tables.add(n.table)
    let s = `DELETE FROM ${this.q(n.table)}`
    if (n.where) s += ` WHERE ${this.expr(n.where, st)}`
    return s
  }

  protected tableRef(table: string, alias: string, st: CompileState): string {
    st.tables.add(table)
    return table === alias ? this.q(table) : `${this.q(table)} ${this.q(alias)}`
  }

  // ---- expressions -------------------------------------------------------------------------------------------

  expr(e: Expr, st: CompileState): string {
    switch (e.k) {
      case 'col':
        return st.inline === undefined ? `${this.q(e.t)}.${this.q(e.c)}` : this.q(e.c)
      case 'param':
        return this.param(e.i, e.spec, st)
      case 'lit':
        return e.sql
      case 'bin':
        if (e.op === 'div') return this.ops.integerDivide(this.operand(e.l, st), this.operand(e.r, st))
        return `${this.operand(e.l, st)} ${e.op} ${this.operand(e.r, st)}`
      case 'and':
      case 'or':
        return e.items.map((i) => this.operand(i, st)).join(e.k === 'and' ? ' AND ' : ' OR ')
      case 'not':
        return `NOT (${this.expr(e.e, st)})`
      case 'isnull':
        return `${this.operand(e.e, st)} IS ${e.negate ? 'NOT ' : ''}NULL`
      case 'in':
        return this.inList(e.e, e.param, st)
      case 'inSub':
        return `${this.operand(e.e, st)} IN (${this.select(e.sub, st)})`
      case 'exists':
        return `EXISTS(${this.select(e.sub, st)})`
      case 'pattern':
        return this.patternLookup(e, st)
      case 'regex':
        return this.ops.regex(e.ci, this.operand(e.e, st), this.operand(e.p, st))
      case 'between':
        return `${this.operand(e.e, st)} BETWEEN ${this.operand(e.lo, st)} AND ${this.operand(e.hi, st)}`
      case 'agg':
        return this.aggregate(e, st)
      case 'fn':
        return `${e.name}(${e.args.map((a) => this.expr(a, st)).join(', ')})`
      case 'raw':
        return this.raw(e.parts, e.args, st)
      case 'sub':
        return `(${this.select(e.sub, st)})`
      case 'cast':
        return e.to === 'float' ? this.ops.castFloat(this.expr(e.e, st)) : this.ops.castInteger(this.expr(e.e, st))
      case 'random':
        return this.ops.random()
      case 'row':
        return `(${e.items.map((i) => this.expr(i, st)).join(', ')})`
      case 'ident':
        return e.name
          .split('.')
          .map((p) => this.q(p))
          .join('.')
    }
  }

  /** An operand of a binary operator: parenthesised unless atomic. */
  protected operand(e: Expr, st: CompileState): string {
    const s = this.expr(e, st)
    return e.k === 'col' ||
      e.k === 'param' ||
      e.k === 'lit' ||
      e.k === 'fn' ||
      e.k === 'agg' ||
      e.k === 'sub' ||
      e.k === 'cast' ||
      e.k === 'random' ||
      e.k === 'row'
      ? s
      : `(${s})`
  }

  protected aggregate(e: Extract<Expr, { k: 'agg' }>, st: CompileState): string {
    let arg = e.arg ? this.expr(e.arg, st) : '*'
    if (e.fn === 'AVG' && e.arg) arg = this.ops.castFloat(arg)
    if (e.filter && !this.features.supportsAggregateFilter) {
      // COUNT(*) FILTER (WHERE c) ≡ COUNT(CASE WHEN c THEN 1 END)
      const cond = this.expr(e.filter, st)
      const inner = e.arg ? arg : '1'
      return `${e.fn}(${e.distinct ? 'DISTINCT ' : ''}CASE WHEN ${cond} THEN ${inner} END)`
    }
    let s = `${e.fn}(${e.distinct ? 'DISTINCT ' : ''}${arg})`
    if (e.filter) s += ` FILTER (WHERE ${this.expr(e.filter, st)})`
    return s
  }

  protected patternLookup(e: Extract<Expr, { k: 'pattern' }>, st: CompileState): string {
    const before = st.bind.length
    const lhs = this.operand(e.e, st)
    const caseInsensitive = e.lookup !== 'exact' && e.lookup.startsWith('i')
    // Where LIKE folds ASCII only, a non-ASCII pattern takes a Unicode-aware path chosen per execution by a flag
    // bound from the same value, so the SQL (and its cache entry) stays one. The left side is repeated, so only
    // when it binds nothing.
    if (this.features.foldsCaseAsciiOnly && caseInsensitive && e.p.k === 'param' && st.bind.length === before) {
      const p = e.p
      const flag = this.slot(p.i, -1, nonAscii, st)
      const unicode = this.param(p.i, p.spec, st)
      const native = this.ops.pattern(e.lookup, lhs, this.param(p.i, p.spec, st))
      return this.ops.unicodeCaseInsensitive(lhs, flag, unicode, native)
    }
    return this.ops.pattern(e.lookup, lhs, this.operand(e.p, st))
  }

  protected inList(lhs: Expr, p: Expr & { k: 'param' }, st: CompileState): string {
    const n = p.spec.list ?? 0
    const left = this.operand(lhs, st)
    if (this.features.hasArrayParams && st.inline === undefined) return `${left} = ANY(${this.param(p.i, p.spec, st)})`
    if (n === 0) return '1=0'
    const conv = this.converter({ ...p.spec, list: undefined, jsonList: undefined })
    if (p.spec.jsonList) {
      const element = (v: unknown) => this.ops.jsonListElement(conv ? conv(v) : v)
      const slot = this.slot(p.i, -1, (v) => JSON.stringify((v as unknown[]).map(element)), st)
      return this.ops.inJsonList(left, slot, p.spec.field)
    }
    const parts = new Array<string>(n)
    for (let j = 0; j < n; j++) parts[j] = this.slot(p.i, j, conv, st)
    return `${left} IN (${parts.join(', ')})`
  }

  protected raw(parts: readonly string[], args: readonly Expr[], st: CompileState): string {
    let s = parts[0]!
    for (let j = 0; j < args.length; j++) s += this.expr(args[j]!, st) + parts[j + 1]!
    return s
  }

  protected param(i: number, spec: ParamSpec, st: CompileState): string {
    return this.slot(i, -1, this.converter(spec), st)
  }

  protected slot(i: number, el: number, conv: Converter | null, st: CompileState): string {
    if (st.inline !== undefined) {
      let v = st.inline[i]
      if (el >= 0) v = (v as unknown[])[el]
      return this.ops.literal(conv === null ? v : conv(v))
    }
    st.bind.push({ i, el, conv })
    return this.ops.placeholder(st.bind.length)
  }

  /** Field conversion, then the pattern shaping of the lookup (`%…%`). */
  protected converter(spec: ParamSpec): Converter | null {
    if (spec.count) return toCount
    if (spec.raw) return this.ops.rawToDb
    if (spec.integer) return this.ops.integerParam
    const field = spec.lookup ? undefined : spec.field
    let conv = field ? this.ops.toDb(field) : null
    if (spec.json) conv = (v) => (v === null || v === undefined ? null : this.ops.jsonToDb(v))
    if (spec.exact) {
      // `exact` on a string keeps the field's conversion, then the dialect's shaping (MySQL: LIKE-escaped).
      const shape = this.ops.patternValue('exact')
      const c = conv
      if (shape) conv = c ? (v) => (v === null ? v : shape(c(v))) : (v) => (v === null ? v : shape(v))
    } else if (spec.lookup && spec.lookup !== 'regex' && spec.lookup !== 'iregex') {
      const shape = this.ops.patternValue(spec.lookup)
      const check = stringCheck(spec)
      conv = shape ? (v) => shape(check(v)) : check
    } else if (spec.lookup) conv = stringCheck(spec)
    if (spec.list !== undefined && conv) {
      const c = conv
      return (v) => (v as unknown[]).map(c)
    }
    return conv
  }
}

/** 1 when a pattern has characters beyond ASCII (the flag of `unicodeCaseInsensitive`). */
function nonAscii(v: unknown): number {
  return typeof v === 'string' && /\P{ASCII}/u.test(v) ? 1 : 0
}

function toCount(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v
}

function stringCheck(spec: ParamSpec): Converter {
  return (v) => {
    if (typeof v === 'string') return v
    if (typeof v === 'number' || typeof v === 'bigint') return String(v)
    throw new InvalidValueError(
      `The ${spec.lookup} lookup${spec.field ? ` on '${spec.field.qualifiedName}'` : ''} expected a string. Pass a string.`,
    )
  }
}

export class CompileState {
  readonly bind: BindSlot[] = []
  readonly tables = new Set<string>()
  /** The values to write in as literals instead of binding them (`compileCondition`). */
  inline: readonly unknown[] | undefined = undefined
}

export type { DeleteNode, InsertNode, RawNode, SelectNode, UpdateNode }
