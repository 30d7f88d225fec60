/**
 * The `<` and `>` of a command line that the shell reads as redirections: those outside quotes and
 * comments. (Single quotes keep everything literal; double quotes and a backslash keep `<` and `>`
 * literal; an unquoted `#` that starts a word starts a comment to the end of its line.)
 */
export function redirections(command: string): string[] {
  const found: string[] = [];
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const char = command[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (quote === '"' && char === '\\') i++;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '\\') i++;
    else if (char === '#' && (i === 0 || /\s/.test(command[i - 1]!))) {
      const end = command.indexOf('\n', i);
      i = end < 0 ? command.length : end;
    } else if (char === '<' || char === '>')
      found.push(command.slice(Math.max(0, i - 20), i + 20).replace(/\n/g, ' '));
  }
  return found;
}

/** The bodies of a Markdown text's ```sh fenced blocks. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
}
