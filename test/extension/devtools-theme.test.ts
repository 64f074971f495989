import { describe, expect, it } from 'vitest';
import { themeForDevtools } from '../../src/extension/devtools-theme.js';

describe('themeForDevtools', () => {
  it("maps Chrome's and Firefox's theme names onto the element's themes", () => {
    expect(themeForDevtools('default'), 'Chrome light').toBe('light');
    expect(themeForDevtools('light'), 'Firefox light (was auto, so an OS in dark mode darkened a light toolbox)').toBe('light');
    expect(themeForDevtools('dark'), 'dark in both').toBe('dark');
    expect(themeForDevtools(undefined), 'outside DevTools').toBe('auto');
    expect(themeForDevtools('solarized'), 'an unknown name').toBe('auto');
  });
});
