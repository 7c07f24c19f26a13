import { styleText } from 'node:util'

type Style = Parameters<typeof styleText>[0]

/**
 * Where the CLI prints. Colours only when the stream is a terminal (and NO_COLOR is unset): `styleText` checks the
 * stream it is given.
 */
export class Output {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean }
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean }
  constructor(stdout = process.stdout, stderr = process.stderr) {
    this.stdout = stdout
    this.stderr = stderr
  }
  style(format: Style, text: string, stream: 'stdout' | 'stderr' = 'stdout'): string {
    const s = stream === 'stdout' ? this.stdout : this.stderr
    if (!s.isTTY) return text
    return styleText(format, text, { stream: s as NodeJS.WriteStream })
  }
  line(text = ''): void {
    this.stdout.write(`${text}\n`)
  }
  error(text: string): void {
    this.stderr.write(`${this.style('red', text, 'stderr')}\n`)
  }
  warn(text: string): void {
    this.stderr.write(`${this.style('yellow', text, 'stderr')}\n`)
  }
}
