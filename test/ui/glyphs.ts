// Does the browser draw a string's characters as glyphs, or as the boxes of a missing font? Runs
// in the page (locator.evaluate). Without a font for them, every character of a script is the same
// .notdef box, exactly as wide as a code point that no font has: both measures below tell.

/** The few DOM calls the probe makes: the tests compile without the DOM library. */
interface Measurable {
  getBoundingClientRect(): { width: number };
}
interface Elem extends Measurable {
  textContent: string | null;
  appendChild(e: Elem): void;
  remove(): void;
}
interface Ctx2d {
  font: string;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: "2d", o: { willReadFrequently: boolean }): Ctx2d | null;
}
interface TextNode {
  data: string;
}
interface Page {
  document: {
    createTreeWalker(root: Elem, whatToShow: number): { nextNode(): TextNode | null };
    createRange(): Measurable & { setStart(n: unknown, at: number): void; setEnd(n: unknown, at: number): void };
    createElement(tag: "span"): Elem;
    createElement(tag: "canvas"): Canvas;
  };
  getComputedStyle: (e: Elem) => { font: string };
}

export interface GlyphMeasure {
  font: string;
  /** The run's width as the page laid it out, and as many missing glyphs' in the same font. */
  width: number;
  missingWidth: number;
  /** Distinct pixel images among the run's characters drawn alone, and how many look missing. */
  distinct: number;
  likeMissing: number;
}

/** Measures the run `chars` inside the element's text (which marks may split into several nodes). */
export function measureGlyphs(element: unknown, chars: string): GlyphMeasure {
  const { document, getComputedStyle } = globalThis as unknown as Page;
  const node = element as Elem;
  const MISSING = "\u{10FFFD}"; // a private-use code point that no font draws
  const font = getComputedStyle(node).font;
  const at = node.textContent?.indexOf(chars) ?? -1;
  if (at < 0) throw new Error(`"${chars}" is not in the element's text`);
  // The text node and offset of a position in the element's text.
  const locate = (pos: number): [TextNode, number] => {
    const walker = document.createTreeWalker(node, 4 /* NodeFilter.SHOW_TEXT */);
    let seen = 0;
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (pos <= seen + t.data.length) return [t, pos - seen];
      seen += t.data.length;
    }
    throw new Error(`offset ${pos} is past the element's text`);
  };
  const range = document.createRange();
  range.setStart(...locate(at));
  range.setEnd(...locate(at + chars.length));
  // As many missing glyphs, inline in the same element (so in the same font), for a moment.
  const probe = document.createElement("span");
  probe.textContent = MISSING.repeat([...chars].length);
  node.appendChild(probe);
  const missingWidth = probe.getBoundingClientRect().width;
  probe.remove();
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  ctx.font = font;
  const pixels = (ch: string) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.fillText(ch, 8, 40);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  const missing = pixels(MISSING);
  const drawn = [...chars].map(pixels);
  return {
    font,
    width: range.getBoundingClientRect().width,
    missingWidth,
    distinct: new Set(drawn).size,
    likeMissing: drawn.filter((p) => p === missing).length,
  };
}
