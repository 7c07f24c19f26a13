/**
 * Bound values of an executed statement, for an in-process listener that asked for them (the profiler's duplicate
 * detection and EXPLAIN on demand). They never go on the event itself: a WeakMap keyed by the event keeps them out
 * of logs, `console.log(event)` and JSON, and lets them go with the event.
 */
export const liveParams = {
  /** How many listeners want values; the executor records them only while this is above 0. */
  wanted: 0,
  byEvent: new WeakMap<object, readonly unknown[]>(),
}
