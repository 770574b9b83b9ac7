/**
 * Where a JSON text first nests deeper than a bound, found without parsing it. JSON.parse of a
 * value nested 100,000 deep holds the event loop for tens of milliseconds before anything can
 * refuse it; this scan stops at the first bracket past the bound, and costs a pass over the text
 * otherwise.
 */

/**
 * null when the text nests at most `max` levels; else the object keys leading to the place it
 * went deeper (`["variables", "deep"]`; an array level contributes no key).
 */
export function nestingPastAt(text: string, max: number): string[] | null {
  const keys: Array<string | undefined> = [];
  let depth = 0;
  let lastString: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      lastString = i - start < 256 ? decode(text.slice(start, i + 1)) : undefined;
    } else if (c === 0x3a /* : */) {
      keys[depth - 1] = lastString;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > max) return keys.slice(0, depth - 1).filter((k): k is string => k !== undefined);
      keys[depth - 1] = undefined;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      keys.length = Math.max(depth, 0);
    }
  }
  return null;
}

function decode(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}
