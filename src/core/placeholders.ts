// Custom command parsing: split like a POSIX shell would (quotes, backslashes) but never run
// a shell, then expand `${name}` placeholders inside each argument. No `vscode` import.

export const PLACEHOLDERS = ['file', 'fileDirname', 'fileBasename', 'fileBasenameNoExtension', 'port', 'host', 'workspaceFolder', 'python'] as const;

export type PlaceholderName = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Readonly<Record<PlaceholderName, string>>;

export class CommandSyntaxError extends Error {
  override readonly name = 'CommandSyntaxError';
}

/** Splits a command line into arguments. Supports '…', "…" and backslash escapes; no globbing, no variables. */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inArg = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (quote) throw new CommandSyntaxError(`Unclosed ${quote} quote in the custom command: ${line}`);
  if (inArg) args.push(cur);
  return args;
}

/** Names of all `${…}` placeholders used in `text` that are not known. */
export function unknownPlaceholders(text: string): string[] {
  const bad = new Set<string>();
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) bad.add(m[1]!);
  }
  return [...bad];
}

export function expandPlaceholders(text: string, values: PlaceholderValues): string {
  const bad = unknownPlaceholders(text);
  if (bad.length) {
    throw new CommandSyntaxError(
      `Unknown placeholder${bad.length > 1 ? 's' : ''} ${bad.map((b) => '${' + b + '}').join(', ')} in "${text}". ` +
        `Use one of ${PLACEHOLDERS.map((p) => '${' + p + '}').join(', ')}.`,
    );
  }
  return text.replace(/\$\{([^}]*)\}/g, (_, name: PlaceholderName) => values[name]);
}

/** Splits then expands, so a path with spaces stays one argument. */
export function parseCustomCommand(command: string | readonly string[], values: PlaceholderValues): string[] {
  const parts = typeof command === 'string' ? splitCommandLine(command) : [...command];
  if (parts.length === 0) throw new CommandSyntaxError('The custom command is empty. Set dataAppPreview.customCommand, e.g. "${python} ${file} --port ${port}".');
  return parts.map((p) => expandPlaceholders(p, values));
}
