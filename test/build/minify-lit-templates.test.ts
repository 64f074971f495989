import { describe, expect, it } from 'vitest';
import { minifyLitTemplates } from '../../scripts/minify-lit-templates.js';

// The embed build's template minifier: what it removes, what it must leave alone, and that its source map is exact.

interface Result {
  readonly code: string;
  readonly map: { readonly mappings: string };
}

function run(code: string, id = '/repo/components/x/view.ts'): Result | null {
  const transform = minifyLitTemplates().transform as (code: string, id: string) => Result | null;
  return transform(code, id);
}

const SOURCE = `import { css, html } from 'lit';
const label = 'keep   this\\n   string';
export const styles = css\`
  :host { color: red; display: block; }
  /* a comment */
  .a > .b, .c { margin: 0 0 4px; }
\`;
export const view = (x: string) => html\`<section>
    <p class="a   b">\${x}
      <span>\${x}</span></p>
  </section>\`;
export const partly = css\`
  .a { width: \${1}px; }
\`;
`;

describe('minifyLitTemplates', () => {
  it('strips indentation in html`` (line breaks kept) and minifies a whole css`` stylesheet', () => {
    const out = run(SOURCE)!.code;
    // The comment goes, the line break after it stays (only breaks after { } ; , or before } are removed).
    expect(out, 'stylesheet').toContain('css`\n:host{color:red;display:block}\n.a>.b,.c{margin:0 0 4px}`');
    expect(out, 'html: indentation gone, line breaks and attribute spaces kept').toContain('html`<section>\n<p class="a   b">${x}\n<span>${x}</span></p>\n</section>`');
    expect(out, 'css with ${}: indentation only').toContain('css`\n.a { width: ${1}px; }\n`');
    expect(out, 'plain strings untouched').toContain("const label = 'keep   this\\n   string';");
  });

  it('leaves files outside components/ and files without templates alone', () => {
    expect(run(SOURCE, '/repo/src/core/x.ts'), 'outside components/').toBeNull();
    expect(run('export const a = 1;\n'), 'no template').toBeNull();
  });

  it('maps every character of the output back to the same character of the source', () => {
    const { code, map } = run(SOURCE)!;
    const sourceLines = SOURCE.split('\n');
    const outLines = code.split('\n');
    let checked = 0;
    decode(map.mappings).forEach((segments, line) => {
      segments.forEach(([column, srcLine, srcColumn], i) => {
        const next = segments[i + 1]?.[0] ?? outLines[line]!.length;
        // Within a segment the characters run on one for one.
        for (let c = column; c < next; c++, checked++) {
          expect(outLines[line]![c], `output ${line + 1}:${c + 1}`).toBe(sourceLines[srcLine]![srcColumn + c - column]);
        }
      });
    });
    expect(checked, 'every output character checked').toBe(code.length - outLines.length + 1);
  });
});

/** Source map `mappings` to [column, sourceLine, sourceColumn] per output line (one source, no names). */
function decode(mappings: string): [number, number, number][][] {
  const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let srcLine = 0;
  let srcColumn = 0;
  return mappings.split(';').map((line) => {
    let column = 0;
    return line
      .split(',')
      .filter(Boolean)
      .map((segment) => {
        const values: number[] = [];
        let value = 0;
        let shift = 0;
        for (const ch of segment) {
          const digit = digits.indexOf(ch);
          value += (digit & 31) << shift;
          shift += 5;
          if (!(digit & 32)) {
            values.push(value & 1 ? -(value >> 1) : value >> 1);
            value = shift = 0;
          }
        }
        column += values[0]!;
        srcLine += values[2]!;
        srcColumn += values[3]!;
        return [column, srcLine, srcColumn];
      });
  });
}
