import { EmptyPage, InvalidValueError, PageNotAnInteger, StateError } from '../../errors.ts'

/** What `Paginator` pages: an array, or a QuerySet (counted once, sliced per page with LIMIT/OFFSET). */
export interface Pageable<T> {
  count(): Promise<number>
  slice(start: number, end: number): PromiseLike<T[]>
  /** @internal */
  readonly state?: {
    readonly order: readonly unknown[] | null
    readonly model: { readonly name: string; readonly ordering: readonly unknown[] }
  }
}

export interface PaginatorOptions {
  perPage: number
  /** A last page with this many items or fewer is merged into the one before it (Django's `orphans`). */
  orphans?: number
  /** With no items, page 1 exists and is empty (default true); otherwise it is an `EmptyPage`. */
  allowEmptyFirstPage?: boolean
}

/** The marker `elidedPageRange` puts where it leaves pages out. */
export const ELLIPSIS = '…'

/**
 * Offset pagination with Django's semantics: `page(n)` runs one `LIMIT/OFFSET` query, the row count is read once
 * per paginator. Deep pages get slower with depth (the database skips the rows before the page); for infinite
 * scroll and APIs use keyset pagination, `qs.paginate({ first, after })`.
 *
 * @example
 * const paginator = new Paginator(db.Post.orderBy('-createdAt', '-id'), { perPage: 25 })
 * const page = await paginator.page(3)  // SELECT COUNT(*) …; SELECT … ORDER BY … LIMIT 25 OFFSET 50
 */
export class Paginator<T> {
  readonly objectList: Pageable<T> | readonly T[]
  readonly perPage: number
  readonly orphans: number
  readonly allowEmptyFirstPage: boolean
  #count: Promise<number> | undefined
  #known: number | undefined

  constructor(objectList: Pageable<T> | readonly T[], options: PaginatorOptions) {
    const { perPage, orphans = 0, allowEmptyFirstPage = true } = options ?? ({} as PaginatorOptions)
    if (!Number.isInteger(perPage) || perPage < 1)
      throw new InvalidValueError('Paginator({ perPage }) must be a positive integer.')
    if (!Number.isInteger(orphans) || orphans < 0)
      throw new InvalidValueError('Paginator({ orphans }) must be a non-negative integer.')
    this.objectList = objectList
    this.perPage = perPage
    this.orphans = orphans
    this.allowEmptyFirstPage = allowEmptyFirstPage
    const st = Array.isArray(objectList) ? undefined : (objectList as Pageable<T>).state
    if (st && st.order === null && st.model.ordering.length === 0)
      process.emitWarning(
        `Pagination may yield inconsistent results with an unordered object list: ${st.model.name} QuerySet. Add orderBy().`,
        { type: 'UnorderedObjectListWarning', code: 'QUARRY_UNORDERED_PAGINATION' },
      )
  }

  /** Total items (one COUNT query, remembered). */
  count(): Promise<number> {
    if (!this.#count) {
      const list = this.objectList
      this.#count = (Array.isArray(list) ? Promise.resolve(list.length) : (list as Pageable<T>).count()).then(
        (n) => (this.#known = n),
      )
      this.#count.catch(() => {
        this.#count = undefined
      })
    }
    return this.#count
  }

  /** Number of pages (counts first if needed). */
  async numPages(): Promise<number> {
    return this.#pages(await this.count())
  }

  #pages(count: number): number {
    if (count === 0 && !this.allowEmptyFirstPage) return 0
    const hits = Math.max(1, count - this.orphans)
    return Math.ceil(hits / this.perPage)
  }

  /** 1-based page numbers, `[1, …, numPages]` (needs the count loaded). */
  pageRange(): number[] {
    return Array.from({ length: this.#pages(this.#loaded('pageRange')) }, (_, i) => i + 1)
  }

  /** Page `number` (1-based). `PageNotAnInteger` for a non-integer, `EmptyPage` for one out of range. */
  async page(number: unknown): Promise<Page<T>> {
    const n = await this.validateNumber(number)
    const count = await this.count()
    const bottom = (n - 1) * this.perPage
    let top = bottom + this.perPage
    if (top + this.orphans >= count) top = count
    const list = this.objectList
    const items = Array.isArray(list) ? list.slice(bottom, top) : await (list as Pageable<T>).slice(bottom, top)
    return new Page(items, n, this, count)
  }

  /** Like `page()`, but tolerant: a non-integer gives page 1, a number out of range the last page. */
  async getPage(number: unknown): Promise<Page<T>> {
    let n: number
    try {
      n = await this.validateNumber(number)
    } catch (e) {
      if (e instanceof PageNotAnInteger) n = 1
      else if (e instanceof EmptyPage) n = Math.max(1, await this.numPages())
      else throw e
    }
    return this.page(n)
  }

  /** The integer page number `number` stands for, checked against the page count. */
  async validateNumber(number: unknown): Promise<number> {
    const n = toPageNumber(number)
    return checkRange(n, await this.numPages())
  }

  /**
   * Page numbers around `number` for a pager, with `ELLIPSIS` where pages are left out (Django's
   * `get_elided_page_range`). Needs the count loaded: `await paginator.numPages()` first.
   *
   * @example
   * paginator.elidedPageRange(10, { onEachSide: 3, onEnds: 2 })  // [1, 2, '…', 7, 8, 9, 10, 11, 12, 13, '…', 49, 50]
   */
  elidedPageRange(number = 1, options: { onEachSide?: number; onEnds?: number } = {}): (number | typeof ELLIPSIS)[] {
    const { onEachSide = 3, onEnds = 2 } = options
    const numPages = this.#pages(this.#loaded('elidedPageRange'))
    const n = checkRange(toPageNumber(number), numPages)
    const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i)
    if (numPages <= (onEachSide + onEnds) * 2) return range(1, numPages)
    const out: (number | typeof ELLIPSIS)[] = []
    if (n > 1 + onEachSide + onEnds + 1) out.push(...range(1, onEnds), ELLIPSIS, ...range(n - onEachSide, n))
    else out.push(...range(1, n))
    if (n < numPages - onEachSide - onEnds - 1)
      out.push(...range(n + 1, n + onEachSide), ELLIPSIS, ...range(numPages - onEnds + 1, numPages))
    else out.push(...range(n + 1, numPages))
    return out
  }

  #loaded(what: string): number {
    if (this.#known === undefined)
      throw new StateError('COUNT_NOT_LOADED', `${what}() needs the count: await paginator.numPages() first.`)
    return this.#known
  }
}

/** Django's `validate_number`, first half: `3`, `'3'` and `3.0` are 3; anything else is `PageNotAnInteger`. */
function toPageNumber(number: unknown): number {
  let n = Number.NaN
  if (typeof number === 'number') n = number
  else if (typeof number === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(number)) n = Number(number)
  if (!Number.isInteger(n)) throw new PageNotAnInteger('That page number is not an integer.')
  return n
}

function checkRange(n: number, numPages: number): number {
  if (n < 1) throw new EmptyPage('That page number is less than 1.')
  if (n > numPages) throw new EmptyPage('That page contains no results.')
  return n
}

/** One page of a `Paginator`. */
export class Page<T> {
  readonly items: T[]
  readonly number: number
  readonly paginator: Paginator<T>
  readonly #count: number

  constructor(items: T[], number: number, paginator: Paginator<T>, count: number) {
    this.items = items
    this.number = number
    this.paginator = paginator
    this.#count = count
  }
  get #numPages(): number {
    const p = this.paginator
    if (this.#count === 0 && !p.allowEmptyFirstPage) return 0
    return Math.ceil(Math.max(1, this.#count - p.orphans) / p.perPage)
  }
  get hasNext(): boolean {
    return this.number < this.#numPages
  }
  get hasPrevious(): boolean {
    return this.number > 1
  }
  get hasOtherPages(): boolean {
    return this.hasNext || this.hasPrevious
  }
  /** The next page number; `EmptyPage` on the last page. */
  get nextPageNumber(): number {
    if (!this.hasNext) throw new EmptyPage('That page contains no results.')
    return this.number + 1
  }
  get previousPageNumber(): number {
    if (!this.hasPrevious) throw new EmptyPage('That page number is less than 1.')
    return this.number - 1
  }
  /** 1-based index of the first item on this page (0 when there are none). */
  get startIndex(): number {
    return this.#count === 0 ? 0 : this.paginator.perPage * (this.number - 1) + 1
  }
  /** 1-based index of the last item on this page. */
  get endIndex(): number {
    return this.number === this.#numPages ? this.#count : this.number * this.paginator.perPage
  }
  get length(): number {
    return this.items.length
  }
  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]()
  }
}
