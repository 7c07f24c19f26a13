// quarry on its opt-in better-sqlite3 driver (`?driver=better-sqlite3`), with the defaults users get otherwise (N+1
// detector on). The workloads are quarry's own (systems/quarry.ts), on a URL that names the driver; better-sqlite3
// resolves from bench/'s packages (quarry loads it from the application's folder, the worker's cwd).
import { na, type SystemDef } from '../lib/system.ts'
import { system as quarry } from './quarry.ts'

export const system: SystemDef = {
  id: 'quarry-better-sqlite3',
  label: 'quarry (better-sqlite3)',
  packages: ['better-sqlite3'],
  backends: { sqlite: true, postgres: 'a SQLite driver' },
  open: async (ctx) => {
    if (ctx.backend !== 'sqlite') return { workloads: { W1: na('a SQLite driver') }, close: async () => {} }
    return quarry.open({ ...ctx, location: `${ctx.location}?driver=better-sqlite3` })
  },
}
