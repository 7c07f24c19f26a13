import { BaseFeatures } from '../base-features.ts'

/** PostgreSQL 13+ (tested on 15). */
export class PostgresFeatures extends BaseFeatures {
  override readonly vendor = 'postgres'
  /** The wire protocol counts parameters in a uint16; postgres.js refuses 65,534 and more. */
  override readonly maxBindParams = 65533
  override readonly hasArrayParams = true
  override readonly supportsSelectForUpdate = true
  override readonly canCreateIndexConcurrently = true
  override readonly supportsExplainAnalyze = true
  /** NAMEDATALEN - 1: longer names are silently truncated by the server, so quarry shortens them first. */
  override readonly maxIdentifierLength = 63
  override readonly hasTimezoneAwareTimestamps = true
  override readonly hasServerSideCursors = true
  override readonly canStreamRows = true
  override readonly hasConnectionPool = true
  override readonly canInsertFromArrays = true
  override readonly canUpdateFromArrays = true
  /** NULL is the largest value: last ascending, first descending. */
  override readonly hasNullsFirstWhenAscending = false
}
