// A `.env` reader compatible with the common subset of python-dotenv: KEY=VALUE lines,
// optional `export `, single/double quotes, `#` comments, `\n` escapes in double quotes and
// `${VAR}` expansion from earlier keys and the base environment. No `vscode` import.

export interface DotenvResult {
  readonly values: Record<string, string>;
  /** Lines that could not be read, 1-based. */
  readonly badLines: number[];
}

export function parseDotenv(text: string, base: Readonly<Record<string, string | undefined>> = {}): DotenvResult {
  const values: Record<string, string> = {};
  const badLines: number[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const expand = (v: string) =>
    v.replace(/\$\{([A-Za-z_]\w*)(?::-([^}]*))?\}/g, (_, name: string, dflt: string | undefined) => values[name] ?? base[name] ?? dflt ?? '');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][\w.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      badLines.push(i + 1);
      continue;
    }
    const key = m[1]!;
    let value = m[2]!;
    if (value.startsWith('"')) {
      // May span lines until the closing quote.
      let body = value.slice(1);
      while (!/(^|[^\\])"/.test(body) && i + 1 < lines.length) body += '\n' + lines[++i];
      const end = body.search(/(^|[^\\])"/);
      if (end < 0) {
        badLines.push(i + 1);
        continue;
      }
      const inner = body.slice(0, body[end] === '"' ? end : end + 1);
      value = expand(inner.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\(["\\])/g, '$1'));
    } else if (value.startsWith("'")) {
      const end = value.indexOf("'", 1);
      if (end < 0) {
        badLines.push(i + 1);
        continue;
      }
      value = value.slice(1, end);
    } else {
      value = expand(value.replace(/\s+#.*$/, '').trim());
    }
    values[key] = value;
  }
  return { values, badLines };
}
