// The seed's last tip: raw SQL only when necessary, always with bound parameters. "Each author's most viewed post"
// is one window function in SQL; with QuerySets it is a query per author.
import { type Db, sql } from '../../src/index.ts'
import type { Variant } from './report.ts'
import type { schema } from './schema.ts'

type Blog = Db<typeof schema.$models>

export const RAW_AUTHORS = 100

export function rawSqlVariants(db: Blog): Variant[] {
  const { Post } = db
  return [
    {
      label: `QuerySets: one query per author (${RAW_AUTHORS})`,
      run: async () => {
        const top: { id: number; title: string }[] = []
        for (let author = 1; author <= RAW_AUTHORS; author++) {
          const p = await Post.filter({ author }).orderBy('-views', 'id').values('id', 'title').first()
          if (p) top.push(p)
        }
        return top
      },
    },
    {
      label: 'db.query(sql`… row_number() over (partition by …)`)',
      run: () =>
        // Values go in as ${…}: bound parameters, never spliced into the text.
        db.query<{ id: number; title: string }>(sql`
          select id, title from (
            select id, title, row_number() over (partition by author_id order by views desc, id) as rank
            from blog_post where author_id <= ${RAW_AUTHORS}
          ) ranked where rank = 1 order by id`),
    },
  ]
}
