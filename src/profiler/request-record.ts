import type { EagerLoad } from '../diagnostics/eager-loads.ts'

/** One statement of a profiled request, as kept in memory and served: SQL with placeholders, never values. */
export interface QueryRecord {
  /** Position in the request (0-based), stable for EXPLAIN on demand. */
  readonly n: number
  readonly sql: string
  readonly durationMs: number
  readonly rowCount: number
  readonly callSite: string | undefined
  readonly kind: string
  readonly alias: string
  readonly tables: readonly string[]
  readonly model: string | undefined
  /** When it started, in ms after the request started (for the timeline). */
  readonly atMs: number
  /** Stack when it ran (only with `stacks: true`, capped per request). */
  readonly stack?: string | undefined
  /** Bound values, only with `logParams: true` (JSON-safe: bigints and bytes as strings). */
  readonly params?: readonly unknown[] | undefined
  /** The error code, when the statement failed (messages stay out: they name the statement, not values, but may grow). */
  readonly error?: string | undefined
}

/** What the flags say, one per finding. Same order of words as the N+1 detector: the finding, then the fix. */
export interface Report {
  readonly kind: 'nPlusOne' | 'duplicate' | 'similar' | 'unusedEager' | 'slow'
  readonly message: string
  readonly fix: string
  readonly sql?: string | undefined
  /** EXPLAIN of a slow query (filled once the plan is in: it runs after the response). */
  plan?: string | undefined
  /** The query positions the report is about (for the request view). */
  readonly queries?: readonly number[]
}

export interface FlagCounts {
  nPlusOne: number
  duplicates: number
  similar: number
  unusedEager: number
  slow: number
}

/** The list row of `GET <path>/api/requests` (API.md §8). */
export interface RequestSummary {
  id: string
  method: string
  url: string
  status: number
  durationMs: number
  queryCount: number
  flags: FlagCounts
}

/** `GET <path>/api/requests/:id`. */
export interface RequestDetail extends RequestSummary {
  startedAt: string
  queries: QueryRecord[]
  /** Statements past the per-request cap: counted, not kept. */
  droppedQueries: number
  reports: Report[]
}

/** A shape seen during one request, with what the duplicate / similar flags and the store need. */
export interface ShapeStats {
  readonly sql: string
  readonly kind: string
  readonly tables: readonly string[]
  readonly model: string | undefined
  readonly vendor: string
  readonly alias: string
  calls: number
  totalMs: number
  maxMs: number
  rows: number
  /** Call sites (at most a few). */
  readonly sites: Set<string>
  /** Parameter hashes → runs with them and their first positions (keyed hashes; never stored or served). */
  readonly hashes: Map<string, { runs: number; positions: number[] }>
  /** Positions of the first runs (for the request view). */
  readonly positions: number[]
  plan?: string | undefined
}

/** Everything recorded about one request, in memory. Values live only in `live` and never leave the process. */
export class RequestRecord {
  readonly id: string
  readonly method: string
  readonly url: string
  readonly startedAt = new Date()
  readonly started = performance.now()
  status = 0
  durationMs = 0
  done = false
  queryCount = 0
  droppedQueries = 0
  readonly queries: QueryRecord[] = []
  readonly shapes = new Map<string, ShapeStats>()
  readonly nPlusOne: { message: string; path: string; querySite: string | undefined }[] = []
  readonly eager: EagerLoad[] = []
  reports: Report[] = []
  stacks = 0
  /** Bound values of some SELECTs, by position, for EXPLAIN on demand. In memory only; dropped with the record. */
  live: Map<number, readonly unknown[]> | undefined = new Map()

  constructor(id: string, method: string, url: string) {
    this.id = id
    this.method = method
    this.url = url
  }

  flags(): FlagCounts {
    const c: FlagCounts = { nPlusOne: 0, duplicates: 0, similar: 0, unusedEager: 0, slow: 0 }
    for (const r of this.reports) {
      if (r.kind === 'nPlusOne') c.nPlusOne++
      else if (r.kind === 'duplicate') c.duplicates++
      else if (r.kind === 'similar') c.similar++
      else if (r.kind === 'unusedEager') c.unusedEager++
      else c.slow++
    }
    return c
  }

  summary(): RequestSummary {
    return {
      id: this.id,
      method: this.method,
      url: this.url,
      status: this.status,
      durationMs: round(this.durationMs),
      queryCount: this.queryCount,
      flags: this.flags(),
    }
  }

  detail(): RequestDetail {
    return {
      ...this.summary(),
      startedAt: this.startedAt.toISOString(),
      queries: this.queries.map((q) => ({ ...q, durationMs: round(q.durationMs), atMs: round(q.atMs) })),
      droppedQueries: this.droppedQueries,
      reports: this.reports.map((r) => ({ ...r })),
    }
  }
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
