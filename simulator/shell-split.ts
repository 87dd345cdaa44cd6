// Splits a reference solution (solution/solve.sh) into the top-level commands an agent
// would type one per turn. Not a shell parser: it tracks just enough (quotes, heredocs,
// trailing `\`, `&&`, `||`, `|`, and compound blocks such as if/fi, for/done, { }) that a
// multi-line construct stays one command.

const OPENERS = new Set(['if', 'for', 'while', 'until', 'case', '{', 'select']);
const CLOSERS = new Set(['fi', 'done', 'esac', '}']);

interface LineScan {
  /** Quote state after the line: null when outside quotes. */
  quote: '"' | "'" | null;
  /** Heredoc terminators opened on this line, in order, with whether leading tabs are stripped. */
  heredocs: Array<{ word: string; stripTabs: boolean }>;
  /** Net change in compound-block depth. */
  depth: number;
  /** The line's code part (comments removed), trimmed at the end. */
  code: string;
}

function scanLine(line: string, startQuote: '"' | "'" | null): LineScan {
  let quote = startQuote;
  const heredocs: LineScan['heredocs'] = [];
  let depth = 0;
  let code = '';
  let word = '';
  // A word counts as a keyword only in command position: line start or after ; & | ( or a keyword.
  let commandPosition = startQuote === null;
  const endWord = (): void => {
    if (word !== '') {
      if (commandPosition && OPENERS.has(word)) depth++;
      else if (commandPosition && CLOSERS.has(word)) depth--;
      commandPosition = ['then', 'do', 'else', 'elif', '!', 'time', ...OPENERS].includes(word) || word.endsWith('()');
      word = '';
    }
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== null) {
      code += c;
      if (c === '\\' && quote === '"') {
        code += line[i + 1] ?? '';
        i++;
      } else if (c === quote) quote = null;
      continue;
    }
    if (c === '\\') {
      code += c + (line[i + 1] ?? '');
      word += c + (line[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      code += c;
      word += c;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break; // comment to end of line
    if (c === '<' && line[i + 1] === '<' && line[i + 2] !== '<') {
      const m = /^<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(line.slice(i));
      if (m) {
        endWord();
        heredocs.push({ word: m[3]!, stripTabs: m[1] === '-' });
        code += m[0];
        i += m[0].length - 1;
        commandPosition = false;
        continue;
      }
    }
    code += c;
    if (/\s/.test(c)) endWord();
    else if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      endWord();
      // After `)` only a function definition `name()` puts the next word in command position.
      commandPosition = c !== ')' || line.slice(0, i).trimEnd().endsWith('(');
    } else word += c;
  }
  endWord();
  return { quote, heredocs, depth, code: code.trimEnd() };
}

export function splitTopLevelCommands(solveSh: string): string[] {
  const lines = solveSh.replace(/\r\n/g, '\n').split('\n');
  const commands: string[] = [];
  let current: string[] = [];
  let quote: '"' | "'" | null = null;
  let depth = 0;
  let continues = false;
  const pendingHeredocs: LineScan['heredocs'] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fresh = current.length === 0;
    if (fresh) {
      if (i === 0 && line.startsWith('#!')) continue;
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
    }
    current.push(line);

    // The body of a heredoc opened on an earlier line: copied verbatim up to its terminator.
    if (pendingHeredocs.length > 0) {
      const head = pendingHeredocs[0]!;
      const candidate = head.stripTabs ? line.replace(/^\t+/, '') : line;
      if (candidate.trimEnd() === head.word) pendingHeredocs.shift();
      if (pendingHeredocs.length > 0 || depth > 0 || continues) continue;
      commands.push(current.join('\n'));
      current = [];
      continue;
    }

    const scan = scanLine(line, quote);
    quote = scan.quote;
    depth = Math.max(0, depth + scan.depth);
    pendingHeredocs.push(...scan.heredocs);
    continues = quote === null && (/\\$/.test(line) || /(&&|\|\||\|)$/.test(scan.code));
    if (quote !== null || depth > 0 || continues || pendingHeredocs.length > 0) continue;
    commands.push(trimTrailingBlank(current).join('\n'));
    current = [];
  }
  if (current.length > 0) {
    const rest = trimTrailingBlank(current);
    if (rest.length > 0) commands.push(rest.join('\n'));
  }
  return commands;
}

function trimTrailingBlank(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  return out;
}
