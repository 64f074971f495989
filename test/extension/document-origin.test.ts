import { describe, expect, it } from 'vitest';
import { documentOrigin } from '../../src/extension/document-origin.js';

describe('documentOrigin: the document’s origin, not its URL’s', () => {
  it("a sandboxed frame's document origin is 'null' although its URL names the embedding site", () => {
    expect(documentOrigin({ origin: 'null', location: { origin: 'https://shop.example' } })).toBe('null');
  });
  it('an ordinary document: its origin', () => {
    expect(documentOrigin({ origin: 'https://shop.example', location: { origin: 'https://shop.example' } })).toBe('https://shop.example');
  });
  it('without self.origin (old browsers): the URL’s origin; with neither: opaque', () => {
    expect(documentOrigin({ location: { origin: 'https://old.example' } })).toBe('https://old.example');
    expect(documentOrigin({})).toBe('null');
  });
});
