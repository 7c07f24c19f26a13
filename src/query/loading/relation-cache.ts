import { type ModelInstance, STATE, stateOf } from '../../model/runtime.ts'

/**
 * To-many relations loaded lazily for peers live beside the relation cache, not in it: `author.posts` must stay
 * a related manager (what its type says) and only `await author.posts` answers from here.
 */
export function lazyMany(inst: ModelInstance): Map<string, ModelInstance[]> | undefined {
  return inst[STATE]?.fetch as Map<string, ModelInstance[]> | undefined
}

export function setLazyMany(inst: ModelInstance, name: string, list: ModelInstance[]): void {
  const s = stateOf(inst)
  let m = s.fetch as Map<string, ModelInstance[]> | undefined
  if (!m) s.fetch = m = new Map()
  m.set(name, list)
}

/** Whether relation `name` of `inst` is in hand (selected, prefetched or loaded before). */
export function isLoaded(inst: ModelInstance, name: string, many: boolean): boolean {
  const s = inst[STATE]
  if (!s) return false
  return (
    (s.relations?.has(name) ?? false) || (many && ((s.fetch as Map<string, unknown> | undefined)?.has(name) ?? false))
  )
}

/** Drop what is known about relation `name` of `inst` (after a write through its manager). */
export function forgetRelation(inst: ModelInstance, name: string): void {
  const s = inst[STATE]
  if (!s) return
  s.relations?.delete(name)
  ;(s.fetch as Map<string, unknown> | undefined)?.delete(name)
}
