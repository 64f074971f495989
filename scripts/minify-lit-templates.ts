import { parseAst, type Plugin } from 'vite';

/**
 * Build step for the embed: removes whitespace the browser ignores from Lit's html`` and css`` templates. Lit keeps
 * template text verbatim, so the JS minifier leaves every indentation in the bundle; Lit's production guide
 * recommends minifying the templates (rollup-plugin-minify-html-literals), which this does in a few lines instead of
 * an unmaintained dependency. What is removed:
 *   - html`` and css``: the indentation after each line break (in html the line break stays: it still separates
 *     words and attributes);
 *   - css`` without `${}` (a whole stylesheet): one-line comments, spaces around { } ; , > and after :, line breaks
 *     after { } ; , and before }, and the last ; of a rule.
 * Characters are only ever deleted, never changed or added, which keeps the source map exact.
 */
export function minifyLitTemplates(include: RegExp = /\/components\/.+\.ts$/): Plugin {
  return {
    name: 'session-panel:minify-lit-templates',
    apply: 'build',
    transform(code, id) {
      if (!include.test(id) || !/\b(html|css)`/.test(code)) return null;
      const deleted = new Uint8Array(code.length);
      const drop = (from: number, to: number): void => void deleted.fill(1, from, to);
      for (const { tag, quasis } of taggedTemplates(parseAst(code, { lang: 'ts' }))) {
        const stylesheet = tag === 'css' && quasis.length === 1;
        for (const { start, end } of quasis) {
          const text = code.slice(start, end);
          const rules = stylesheet ? [INDENT, ...CSS_RULES] : [INDENT];
          for (const rule of rules) for (const m of text.matchAll(rule)) drop(start + m.index + m[0].length - (m[1] ?? m[0]).length, start + m.index + m[0].length);
        }
      }
      return withDeletions(code, deleted, id);
    },
  };
}

// Each rule deletes its capture group 1 if it has one (at the end of the match), else the whole match.
const INDENT = /\n([ \t]+)/g;
const CSS_RULES = [
  /(?<=[{};,])\n[ \t]*/g, // a line break after punctuation (never one inside a selector or a value)
  /\n[ \t]*(?=})/g, // a line break before }
  /\/\*[^\n]*?\*\//g, // a comment on one line
  /[ \t]+(?=[{};,>!])/g, // spaces before punctuation (and before !important)
  /[{};,>:}]([ \t]+)/g, // spaces after punctuation (after : only ever in a declaration: selectors never have ": ")
  /;(?=\s*})/g, // the last ; of a rule
];

interface Tagged {
  readonly tag: string;
  readonly quasis: readonly { readonly start: number; readonly end: number }[];
}

/** Every html`` / css`` template in the module; a quasi's span includes its delimiters (` ${ }), which no rule touches. */
function taggedTemplates(node: unknown, found: Tagged[] = []): Tagged[] {
  if (Array.isArray(node)) for (const child of node) taggedTemplates(child, found);
  else if (node && typeof node === 'object') {
    const n = node as { type?: string; tag?: { type?: string; name?: string }; quasi?: { quasis: Tagged['quasis'] } };
    if (n.type === 'TaggedTemplateExpression' && n.tag?.type === 'Identifier' && (n.tag.name === 'html' || n.tag.name === 'css') && n.quasi) {
      found.push({ tag: n.tag.name, quasis: n.quasi.quasis });
    }
    for (const value of Object.values(node)) taggedTemplates(value, found);
  }
  return found;
}

/** The code without the deleted characters, and a source map from it back to `code`. */
function withDeletions(code: string, deleted: Uint8Array, id: string): { code: string; map: { version: 3; sources: string[]; sourcesContent: string[]; names: string[]; mappings: string } } {
  let out = '';
  let mappings = '';
  let line = 0, column = 0, outColumn = 0;
  let prevOutColumn = 0, prevLine = 0, prevColumn = 0, mapNext = true;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i]!;
    if (deleted[i]) {
      [line, column] = ch === '\n' ? [line + 1, 0] : [line, column + 1];
      mapNext = true;
      continue;
    }
    if (mapNext) {
      // A line's first segment is at column 0 (its first kept character); later ones are comma-separated.
      mappings += (outColumn === 0 ? '' : ',') + vlq(outColumn - prevOutColumn) + vlq(0) + vlq(line - prevLine) + vlq(column - prevColumn);
      [prevOutColumn, prevLine, prevColumn, mapNext] = [outColumn, line, column, false];
    }
    out += ch;
    if (ch === '\n') {
      mappings += ';';
      [line, column, outColumn, prevOutColumn, mapNext] = [line + 1, 0, 0, 0, true];
    } else {
      column++;
      outColumn++;
    }
  }
  return { code: out, map: { version: 3, sources: [id], sourcesContent: [code], names: [], mappings } };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function vlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let text = '';
  do {
    const digit = rest & 31;
    rest >>>= 5;
    text += BASE64[rest > 0 ? digit | 32 : digit];
  } while (rest > 0);
  return text;
}
