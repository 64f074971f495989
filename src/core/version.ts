/** Library version, shown in the panel and the page hook so mixed copies on a page can be told apart. */
export const LIBRARY_VERSION = '0.1.0';
