/**
 * quarry/http — the request profiler and its dashboard for Fetch-API handlers.
 *
 * @example
 * import { profiler } from 'quarry/http'
 * const prof = profiler(db, { path: '/__quarry', slowMs: 100 })
 * export const GET = prof.wrap(async (req) => Response.json(await db.Post.all()))
 */

export type { Report, RequestDetail, RequestSummary } from '../profiler/request-record.ts'
export { ShapeStore } from '../profiler/store.ts'
export type { ClientInfo } from './profiler/access.ts'
export { type ProfiledHandler, type Profiler, type ProfilerOptions, profiler } from './profiler/profiler.ts'
