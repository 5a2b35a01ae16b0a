/** Provided by the bundler (src/build/bundle.ts): the TextMate grammar's keyword groups. */
declare module "kova:grammar-keywords" {
  const groups: { scope: string; words: string[] }[];
  export default groups;
}
