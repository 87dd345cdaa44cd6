// A config file names the environment variable that holds the API key, never the key: a key
// in a file ends up in commits and sweep directories. Shared by the serving config and the
// sweep file, so both refuse it alike.

/**
 * Takes an inline key (`api_key` or `key`) out of a parsed TOML table, so the schema does not
 * list it again as an unknown setting. Returns the problem to report, or null. `path` is the
 * table's name ("endpoint"), `file` what the file is ("a file", "a sweep file").
 */
export function takeInlineKey(table: unknown, path: string, file: string): string | null {
  if (!table || typeof table !== 'object' || !('api_key' in table || 'key' in table)) return null;
  delete (table as Record<string, unknown>).api_key;
  delete (table as Record<string, unknown>).key;
  return `${path}.api_key: never put a key in ${file}; set api_key_env to the name of the environment variable that holds it`;
}
