/** crxjs `?script` imports (background.ts): the built file's path, for scripting.executeScript. */
declare module '*?script' {
  const path: string;
  export default path;
}
