/**
 * Runs INSIDE the resolver sandbox. util.matches takes a java.util.regex.Pattern (AppSync runs
 * on the JVM); the features Java and JavaScript write differently are translated here, and the
 * Java-only ones JavaScript cannot express are refused with an error that names them.
 */

// java.util.regex.Pattern's POSIX character classes (US-ASCII only), as character-class bodies
const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

const FLAGS: Record<string, string> = { i: 'i', m: 'm', s: 's', u: '' };

/** A Java pattern as a JavaScript RegExp source and flags. */
export function javaPattern(pattern: string): { source: string; flags: string } {
  let flags = '';
  let rest = String(pattern);
  // leading inline flags, Java's usual way to ask for a case-insensitive match: (?i), (?is), …
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(rest);
  if (inline) {
    for (const f of inline[1]!) {
      if (!(f in FLAGS)) throw new Error(`util.matches: the inline flag (?${f}) is not supported by the local AppSync runtime`);
      if (!flags.includes(FLAGS[f]!)) flags += FLAGS[f];
    }
    rest = rest.slice(inline[0].length);
  }
  let out = '';
  let inClass = false;
  // whether the last thing written was a quantifier: a `+` right after one makes it possessive
  let quantified = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === '\\') {
      quantified = false;
      const next = rest[i + 1];
      const posix = /^[pP]\{(\w+)\}/.exec(rest.slice(i + 1));
      if (posix && posix[1]! in POSIX) {
        const body = POSIX[posix[1]!]!;
        if (next === 'P' && inClass) throw new Error(`util.matches: \\P{${posix[1]}} inside a character class is not supported by the local AppSync runtime`);
        out += inClass ? body : next === 'P' ? `[^${body}]` : `[${body}]`;
        i += posix[0].length;
        continue;
      }
      if (next === 'A') { out += '^'; i++; continue; }
      if (next === 'Z' || next === 'z') { out += '$'; i++; continue; }
      out += c + (next ?? '');
      i++;
      continue;
    }
    if (!inClass && c === '+' && quantified) {
      throw new Error('util.matches: possessive quantifiers (*+, ++, ?+, {n}+) are not supported by the local AppSync runtime');
    }
    const quantifier = /^\{\d+(,\d*)?\}/.exec(rest.slice(i));
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    else if (!inClass && c === '(' && rest.startsWith('(?>', i)) throw new Error('util.matches: atomic groups (?>…) are not supported by the local AppSync runtime');
    if (!inClass && quantifier) {
      out += quantifier[0];
      i += quantifier[0].length - 1;
      quantified = true;
      continue;
    }
    quantified = !inClass && (c === '*' || c === '+' || c === '?') && !(c === '?' && out.endsWith('('));
    out += c;
  }
  return { source: out, flags };
}

/** Java's String.matches: the whole value must match. */
export function javaMatches(pattern: string, value: string): boolean {
  const { source, flags } = javaPattern(pattern);
  return new RegExp(`^(?:${source})$`, flags).test(String(value));
}
