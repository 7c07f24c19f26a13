import type { Report, RequestRecord, ShapeStats } from './request-record.ts'

/**
 * The shape of a statement: its SQL with every placeholder list collapsed, so `IN (?, ?)` and `IN (?, ?, ?)` (and
 * PostgreSQL's renumbered `$n`) are the same shape.
 *
 * @example shapeKey('SELECT … WHERE "id" IN ($1, $2) AND "x" = $3') // 'SELECT … WHERE "id" IN (…) AND "x" = $?'
 */
export function shapeKey(sql: string): string {
  let key = SHAPES.get(sql)
  if (key === undefined) {
    key = collapse(sql)
    if (SHAPES.size >= 5000) SHAPES.clear()
    SHAPES.set(sql, key)
  }
  return key
}

/** Statement texts repeat (quarry caches them per shape): their keys are computed once. */
const SHAPES = new Map<string, string>()

function collapse(sql: string): string {
  return sql.replace(/\((?:\s*(?:\?|\$\d+)\s*,)+\s*(?:\?|\$\d+)\s*\)/g, '(…)').replace(/\$\d+/g, '$?')
}

export interface ReportOptions {
  readonly slowMs: number
  /** Runs of one shape that make it "similar" (the N+1 signature). */
  readonly similarAt: number
}

/**
 * The flags of a finished request, each with its fix: duplicates (same SQL and same values, compared by a keyed
 * hash), similar (one shape run `similarAt`+ times with different values), the detector's N+1 reports, unused
 * eager loads, and slow statements (their plans are filled in later).
 */
export function buildReports(rec: RequestRecord, options: ReportOptions): Report[] {
  const out: Report[] = []
  for (const n of rec.nPlusOne) {
    const at = n.message.indexOf(' Add ')
    out.push({
      kind: 'nPlusOne',
      message: at > 0 ? n.message.slice(0, at) : n.message,
      fix: at > 0 ? n.message.slice(at + 1) : `Add .prefetchRelated('${n.path}') to the query.`,
    })
  }
  for (const s of rec.shapes.values()) {
    const site = firstSite(s)
    for (const { runs, positions } of s.hashes.values()) {
      if (runs < 2) continue
      out.push({
        kind: 'duplicate',
        message: `Duplicate query: the same ${s.kind.toUpperCase()} with the same parameters ran ${runs} times${site ? ` at ${site}` : ''}.`,
        fix:
          s.kind === 'select'
            ? `Run it once and reuse the result${site ? ` at ${site}` : ''} (keep it in a variable, or cache it).`
            : `Run it once${site ? ` at ${site}` : ''}: repeating a write with the same values does nothing new.`,
        sql: s.sql,
        queries: positions,
      })
    }
    const distinct = s.hashes.size
    if (s.calls >= options.similarAt && distinct > 1) {
      out.push({
        kind: 'similar',
        message: `Similar queries: one ${s.kind.toUpperCase()} shape ran ${s.calls} times with ${distinct} different parameter sets${site ? ` at ${site}` : ''} (${tableList(s)}): the N+1 signature.`,
        fix:
          s.kind === 'select'
            ? `Load them in one query: .selectRelated() / .prefetchRelated() on the query that produced the loop, or one .filter({ …: { in: [...] } }).`
            : `Write them in one statement: bulkCreate / bulkUpdate, or one .filter(…).update(…).`,
        sql: s.sql,
        queries: s.positions,
      })
    }
  }
  for (const e of rec.eager) {
    if (e.used) continue
    const method = e.kind === 'selectRelated' ? 'selectRelated' : 'prefetchRelated'
    const site = e.querySite ? ` at ${e.querySite}` : ''
    out.push({
      kind: 'unusedEager',
      message: `Unused eager load: ${e.model}.${method}('${e.path}')${site} loaded '${e.path}' for ${e.parents} object${e.parents === 1 ? '' : 's'}, and the request never read it.`,
      fix: `Remove '${e.path}' from .${method}() in the query${site}${e.kind === 'selectRelated' ? ' (a JOIN and its columns saved)' : ' (a query saved)'}.`,
    })
  }
  for (const q of rec.queries) {
    if (q.durationMs < options.slowMs) continue
    out.push({
      kind: 'slow',
      message: `Slow query: ${q.kind.toUpperCase()} took ${q.durationMs.toFixed(1)} ms (≥ ${options.slowMs} ms)${q.callSite ? ` at ${q.callSite}` : ''}.`,
      fix: 'Read its plan: a full scan or a sort of many rows wants an index (npx quarry advise proposes one).',
      sql: q.sql,
      queries: [q.n],
    })
  }
  return out
}

function firstSite(s: ShapeStats): string | undefined {
  for (const x of s.sites) return x
  return undefined
}

function tableList(s: ShapeStats): string {
  return s.tables.join(', ') || 'raw SQL'
}
