// The per-instance relation cache (`Relations`) must behave as the `Map` it replaced: same answers, same
// insertion order through deletes and re-inserts (toJSON and the cache codec iterate it).
import { describe, expect, it } from 'vitest'
import { Relations } from '../../src/model/runtime.ts'

type Op = ['set', string, unknown] | ['delete', string] | ['clear']

function replay(ops: readonly Op[]): void {
  const map = new Map<string, unknown>()
  const rel = new Relations()
  for (const op of ops) {
    if (op[0] === 'set') {
      map.set(op[1], op[2])
      rel.set(op[1], op[2])
    } else if (op[0] === 'delete') expect(rel.delete(op[1])).toBe(map.delete(op[1]))
    else {
      map.clear()
      rel.clear()
    }
    expect([...rel]).toEqual([...map])
    expect(rel.size).toBe(map.size)
    for (const k of ['author', 'posts', 'tags', 'profile']) {
      expect(rel.has(k)).toBe(map.has(k))
      expect(rel.get(k)).toBe(map.get(k))
    }
  }
}

describe('Relations (an instance relation cache)', () => {
  it('starts with the entry it is made with', () => {
    const r = new Relations('author', null)
    expect([...r]).toEqual([['author', null]])
    expect(r.has('author')).toBe(true)
    expect(r.has('posts')).toBe(false)
  })

  it('keeps a Map’s answers and order through sets, deletes of the first entry, re-inserts and clear', () => {
    replay([
      ['set', 'author', 1],
      ['set', 'posts', [2]],
      ['set', 'tags', [3]],
      ['delete', 'author'],
      ['set', 'author', 4],
      ['set', 'posts', [5]],
      ['delete', 'profile'],
      ['delete', 'posts'],
      ['delete', 'tags'],
      ['delete', 'author'],
      ['set', 'profile', undefined],
      ['set', 'tags', 6],
      ['clear'],
      ['set', 'posts', 7],
    ])
  })

  it('agrees with a Map over random operation sequences', () => {
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const names = ['author', 'posts', 'tags', 'profile']
    for (let run = 0; run < 200; run++) {
      const ops: Op[] = []
      for (let i = 0; i < 12; i++) {
        const k = rand(10)
        ops.push(k < 6 ? ['set', names[rand(4)]!, rand(100)] : k < 9 ? ['delete', names[rand(4)]!] : ['clear'])
      }
      replay(ops)
    }
  })
})
