/**
 * DevTools' theme name → the element's theme. Chrome says `default` or `dark`; Firefox says `light` or `dark`.
 * Anything else (an older browser, no DevTools) follows the system's colour scheme.
 */
export const themeForDevtools = (name: string | undefined): 'light' | 'dark' | 'auto' =>
  name === 'dark' ? 'dark' : name === 'default' || name === 'light' ? 'light' : 'auto';
