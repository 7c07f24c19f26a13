import { LazyLoadError } from '../../errors.ts'
import type { Relation } from './relation.ts'

/** `Post` → `posts`, `Category` → `categories`, `Address` → `addresses`. */
export function plural(model: string): string {
  const w = model.charAt(0).toLowerCase() + model.slice(1)
  if (/[^aeiou]y$/.test(w)) return `${w.slice(0, -1)}ies`
  if (/(s|x|z|ch|sh)$/.test(w)) return `${w}es`
  return `${w}s`
}

/** What a fix looks like for a relation reached by `path` from the root query. */
export function fixFor(path: string, forwardOnly: boolean): string {
  return `.${forwardOnly ? 'selectRelated' : 'prefetchRelated'}('${path}')`
}

/**
 * The N+1 report (API.md §8):
 * `N+1 query: Post.author loaded lazily for 2+ posts of one result at src/feed.ts:14. Add .selectRelated('author')
 * to the query at src/feed.ts:10, or use fetchMode('peers').`
 */
export function nPlusOneMessage(
  model: string,
  rel: Relation,
  path: string,
  forwardOnly: boolean,
  lazySite: string | undefined,
  querySite: string | undefined,
): string {
  return (
    `N+1 query: ${model}.${rel.name} loaded lazily for 2+ ${plural(model)} of one result${lazySite ? ` at ${lazySite}` : ''}. ` +
    `Add ${fixFor(path, forwardOnly)} to the query${querySite ? ` at ${querySite}` : ''}, or use fetchMode('peers').`
  )
}

/** The error of a lazy load under `fetchMode('raise')`. */
export function raiseError(
  model: string,
  rel: Relation,
  path: string,
  forwardOnly: boolean,
  lazySite: string | undefined,
  querySite: string | undefined,
): LazyLoadError {
  return new LazyLoadError(
    `${model}.${rel.name} is not loaded${lazySite ? ` (at ${lazySite})` : ''} and the query's fetchMode is 'raise'. ` +
      `Add ${fixFor(path, forwardOnly)} to the query${querySite ? ` at ${querySite}` : ''}, or use fetchMode('peers').`,
  )
}

/** What is published on `diagnosticChannel` for each N+1 found. */
export interface NPlusOneReport {
  readonly kind: 'nPlusOne'
  readonly model: string
  readonly relation: string
  /** Dotted path from the root query, as the fix names it. */
  readonly path: string
  readonly callSite: string | undefined
  readonly querySite: string | undefined
  readonly message: string
  readonly database: object
}
