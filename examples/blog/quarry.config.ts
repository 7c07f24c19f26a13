// `npx quarry makemigrations` / `migrate` / `showmigrations` from this folder work on the blog's database;
// `npm run example` applies the same migrations with db.migrate() at start-up.
import { defineConfig } from '../../src/migrations/index.ts'

export default defineConfig({
  schema: './schema.ts',
  databases: { default: process.env.DATABASE_URL ?? 'sqlite:./blog.db' },
  migrations: './migrations',
})
