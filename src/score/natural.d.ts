// natural's package index loads every storage backend (and dotenv); scoring
// needs only the Porter stemmer, imported by path, which ships no typings.
declare module "natural/lib/natural/stemmers/porter_stemmer.js" {
  const PorterStemmer: { stem(token: string): string };
  export default PorterStemmer;
}
