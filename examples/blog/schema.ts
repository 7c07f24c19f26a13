// The blog's models: the demo's schema (API.md §2), so the demo's data generator seeds it unchanged.
export { schema } from '../demo/schema.ts'

import type { Db } from '../../src/index.ts'
import type { schema } from '../demo/schema.ts'

export type BlogDb = Db<typeof schema.$models>
