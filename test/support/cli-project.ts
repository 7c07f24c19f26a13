import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { driversNodePath } from './sqlite-drivers.ts'

export const BIN = resolve(import.meta.dirname, '../../bin/quarry.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** A throwaway project folder with a quarry.config.ts pointing at `url`, driven through the real `quarry` bin. */
export class CliProject {
  readonly dir: string
  readonly url: string
  constructor(url: string, options: { migrate?: Record<string, number> } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'quarry-cli-'))
    this.url = url
    mkdirSync(join(this.dir, 'src'))
    this.write(
      'quarry.config.ts',
      `import { defineConfig } from 'quarry/migrations'
export default defineConfig({
  schema: './src/schema.ts',
  databases: { default: process.env.DATABASE_URL ?? 'sqlite:./app.db' },
  migrations: './migrations',${options.migrate ? `\n  migrate: ${JSON.stringify(options.migrate)},` : ''}
})
`,
    )
  }

  write(path: string, text: string): void {
    mkdirSync(join(this.dir, path, '..'), { recursive: true })
    writeFileSync(join(this.dir, path), text)
  }

  /** Models as the body of src/schema.ts (after the import line). */
  models(body: string): void {
    this.write('src/schema.ts', `import { defineSchema, f, index, model } from 'quarry'\n${body}\n`)
  }

  migrations(): string[] {
    try {
      return readdirSync(join(this.dir, 'migrations')).sort()
    } catch {
      return []
    }
  }

  /** Run `quarry …args` in the project on the package's Node (the one running the tests), with no terminal. */
  run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: this.dir,
        env: { ...process.env, ...driversNodePath(), DATABASE_URL: this.url, NO_COLOR: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.on('error', fail)
      child.on('close', (code) => {
        clearTimeout(timer)
        done({ code: code ?? -1, stdout, stderr })
      })
    })
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
