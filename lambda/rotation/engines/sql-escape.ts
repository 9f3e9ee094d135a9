// SQL quoting for the Data API, which takes statements as text. What the drivers do, without the drivers:
// node-postgres's escapeIdentifier/escapeLiteral (ported from libpq's fe-exec.c, as node-postgres did:
// node_modules/pg/lib/utils.js) and mysql2's `escape` of a string (sql-escaper's escapeString). Importing 'pg' or
// 'mysql2' for them would put both drivers in the Data API bundle.

const MYSQL_ESCAPES: Record<string, string> = {
  '\0': '\\0', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', '"': '\\"', "'": "\\'", '\\': '\\\\',
};

/** A MySQL string literal: single quotes, with NUL, backspace, tab, newline, return, ^Z, quotes and backslash escaped. */
export function mysqlEscape(value: string): string {
  return `'${value.replace(/[\0\b\t\n\r\x1a"'\\]/g, ch => MYSQL_ESCAPES[ch])}'`;
}

/** A PostgreSQL identifier in double quotes, inner double quotes doubled. */
export function escapeIdentifier(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** A PostgreSQL string literal; with a backslash inside, an E'' literal with the backslashes doubled. */
export function escapeLiteral(value: string): string {
  const escaped = value.replace(/'/g, "''").replace(/\\/g, '\\\\');
  return value.includes('\\') ? ` E'${escaped}'` : `'${escaped}'`;
}
