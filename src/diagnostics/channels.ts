import diagnostics from 'node:diagnostics_channel'

/** Published for every statement (a `QueryEvent`). Free when nobody subscribes (one `hasSubscribers` check). */
export const queryChannel = diagnostics.channel('quarry:query')

/** Published for every N+1 report and other diagnostics. */
export const diagnosticChannel = diagnostics.channel('quarry:diagnostic')
