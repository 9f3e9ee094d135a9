// SQL quoting for the Data API, which takes statements as text. The same functions the drivers use, without the
// drivers: node-postgres's escapeIdentifier/escapeLiteral (ported from libpq's fe-exec.c, as node-postgres did:
// node_modules/pg/lib/utils.js) and mysql2's `escape`, which is sql-escaper's. Importing 'pg' or 'mysql2' for them
// would put both drivers in the Data API bundle.
export { escape as mysqlEscape } from 'sql-escaper';

/** A PostgreSQL identifier in double quotes, inner double quotes doubled. */
export function escapeIdentifier(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** A PostgreSQL string literal; with a backslash inside, an E'' literal with the backslashes doubled. */
export function escapeLiteral(value: string): string {
  const escaped = value.replace(/'/g, "''").replace(/\\/g, '\\\\');
  return value.includes('\\') ? ` E'${escaped}'` : `'${escaped}'`;
}
