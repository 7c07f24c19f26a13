import { fileURLToPath } from 'node:url'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type ErrorCode, NotSupportedError, QuarryError, StateError, type StateErrorCode } from '../../src/index.ts'
import { readSources } from '../support/import-rules.ts'

const src = fileURLToPath(new URL('../../src', import.meta.url))

describe('errors as a contract', () => {
  it('src/ throws no bare Error: every error is a QuarryError with a code', () => {
    const bare = [...readSources(src)].flatMap(([file, text]) =>
      text
        .split('\n')
        .map((line, i) => [line, i] as const)
        .filter(([line]) => /\bnew Error\(|\bthrow Error\(/.test(line) && !line.trim().startsWith('//'))
        .map(([, i]) => `${file}:${i + 1}`),
    )
    expect(bare).toEqual([])
  })

  it('codes are one union; StateError codes never collide with another class', () => {
    expectTypeOf<StateErrorCode>().toMatchTypeOf<ErrorCode>()
    expectTypeOf<'NOT_SUPPORTED'>().not.toMatchTypeOf<StateErrorCode>()
    expectTypeOf(new StateError('NOT_SAVED', 'x').code).toEqualTypeOf<StateErrorCode>()
    // @ts-expect-error: not a code
    new QuarryError('NOPE', 'x')
    // @ts-expect-error: NotSupportedError's code, not a state
    new StateError('NOT_SUPPORTED', 'x')
    expect(new NotSupportedError('x').code).toBe('NOT_SUPPORTED')
  })
})
