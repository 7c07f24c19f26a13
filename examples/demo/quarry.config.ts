// `npx quarry makemigrations` / `npx quarry migrate` from this folder work on the demo's database; `npm run demo`
// applies the same migrations with db.migrate().
import { defineConfig } from '../../src/migrations/index.ts'

export default defineConfig({
  schema: './schema.ts',
  databases: { default: 'sqlite:./demo.db' },
  migrations: './migrations',
})
