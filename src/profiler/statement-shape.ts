/**
 * What an index could serve in one SELECT that quarry generated: its root table, the columns it compares by
 * equality and by range (with placeholders), its constant predicates (`IS NULL`), its ORDER BY and whether it
 * has a LIMIT. Only conditions on the root table count; a condition under OR is not indexable by a plain btree
 * and is left out.
 *
 * @example
 * parseSelect('SELECT … FROM "blog_post" WHERE "blog_post"."author_id" = ? ORDER BY "blog_post"."created_at" DESC LIMIT 20')
 * // { table: 'blog_post', equality: ['author_id'], range: [], nulls: [], order: [{ column: 'created_at', desc: true }], limit: true }
 */
export interface SelectShape {
  readonly table: string
  readonly equality: string[]
  readonly range: string[]
  /** Columns the query requires to be NULL (candidates for a partial index). */
  readonly nulls: string[]
  readonly order: { column: string; desc: boolean }[]
  readonly limit: boolean
}

const ID = String.raw`(?:"((?:[^"]|"")+)"|\x60([^\x60]+)\x60)`

export function parseSelect(sql: string): SelectShape | undefined {
  if (!/^\s*SELECT\b/i.test(sql)) return undefined
  const from = new RegExp(String.raw`\bFROM\s+${ID}(?:\s+(?:AS\s+)?${ID})?`, 'i').exec(sql)
  if (!from) return undefined
  const table = (from[1] ?? from[2])!.replaceAll('""', '"')
  const qual = (from[3] ?? from[4] ?? table).replaceAll('""', '"')
  const clausesText = sql.slice(from.index + from[0].length)
  const shape: SelectShape = {
    table,
    equality: [],
    range: [],
    nulls: [],
    order: [],
    limit: / LIMIT /i.test(clausesText),
  }
  const clauses = topLevelClauses(clausesText)
  const col = new RegExp(String.raw`^\(*\s*(?:${ID}\.)?${ID}\s*(.*?)\)*$`, 's')
  for (const c of splitTop(clauses.WHERE ?? '', ' AND ')) {
    const part = unwrap(c)
    if (/\sOR\s/i.test(stripParens(part))) continue
    const m = col.exec(part)
    if (!m) continue
    const q = m[1] ?? m[2]
    if (q !== undefined && q !== qual) continue
    const column = (m[3] ?? m[4])!
    const rest = m[5]!.trim()
    if (/^(=|IN\s*\(|=\s*ANY\s*\()/i.test(rest) && /(\?|\$\d+)/.test(rest)) push(shape.equality, column)
    // A LIKE is a range to the planner at best (a prefix), and no help with a leading wildcard; the planner's check
    // of each proposal tells which. (MySQL's `exact` is a LIKE too: quarry compiles it so, see mysql-operations.)
    else if (/^(<=|>=|<|>|BETWEEN\b|LIKE\s+(\?|\$\d+))/i.test(rest)) push(shape.range, column)
    else if (/^IS\s+NULL$/i.test(rest)) push(shape.nulls, column)
  }
  if (clauses['ORDER BY']) {
    for (const item of splitTop(clauses['ORDER BY'], ',')) {
      const m = new RegExp(String.raw`^\s*(?:${ID}\.)?${ID}\s*(ASC|DESC)?`, 'i').exec(item)
      const q = m?.[1] ?? m?.[2]
      if (!m || (q !== undefined && q !== qual)) {
        // An ordering on another table (or an expression) cannot come from this table's index.
        shape.order.length = 0
        break
      }
      shape.order.push({ column: (m[3] ?? m[4])!, desc: (m[5] ?? '').toUpperCase() === 'DESC' })
    }
  }
  return shape
}

function push(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v)
}

const KEYWORDS = ['WHERE', 'GROUP BY', 'HAVING', 'ORDER BY', 'LIMIT', 'OFFSET', 'FOR UPDATE'] as const

/** The text of each clause after FROM, split at depth 0 (subqueries and JOIN conditions stay inside). */
function topLevelClauses(text: string): Partial<Record<(typeof KEYWORDS)[number], string>> {
  const out: Partial<Record<string, string>> = {}
  let depth = 0
  let current: string | undefined
  let start = 0
  let quote: string | undefined
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quote) {
      if (ch === quote) quote = undefined
      continue
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch
    else if (ch === '(') depth++
    else if (ch === ')') depth--
    else if (depth === 0 && ch === ' ') {
      const kw = KEYWORDS.find((k) => text.startsWith(` ${k} `, i) || text.slice(i).toUpperCase().startsWith(` ${k} `))
      if (kw) {
        if (current) out[current] = text.slice(start, i)
        current = kw
        start = i + kw.length + 2
        i += kw.length
      }
    }
  }
  if (current) out[current] = text.slice(start)
  return out as Partial<Record<(typeof KEYWORDS)[number], string>>
}

/** Split at `sep` where not inside parentheses or quotes. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = []
  let depth = 0
  let start = 0
  let quote: string | undefined
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quote) {
      if (ch === quote) quote = undefined
      continue
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch
    else if (ch === '(') depth++
    else if (ch === ')') depth--
    else if (depth === 0 && text.slice(i, i + sep.length).toUpperCase() === sep) {
      out.push(text.slice(start, i))
      start = i + sep.length
      i += sep.length - 1
    }
  }
  out.push(text.slice(start))
  return out.map((s) => s.trim()).filter(Boolean)
}

/** `((a = ?))` → `a = ?` when the parentheses wrap the whole condition. */
function unwrap(s: string): string {
  let t = s.trim()
  while (t.startsWith('(') && t.endsWith(')') && closes(t) === t.length - 1) t = t.slice(1, -1).trim()
  return t
}

function closes(t: string): number {
  let depth = 0
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++
    else if (t[i] === ')' && --depth === 0) return i
  }
  return -1
}

function stripParens(s: string): string {
  let out = ''
  let depth = 0
  for (const ch of s) {
    if (ch === '(') depth++
    else if (ch === ')') depth--
    else if (depth === 0) out += ch
  }
  return out
}
