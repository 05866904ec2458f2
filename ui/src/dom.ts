// Building DOM nodes without HTML strings: every string becomes a text node, so untrusted post
// text can never turn into markup or script.
type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | ((e: Event) => void) | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (typeof v === "function") node.addEventListener(k.replace(/^on/, ""), v);
    else node.setAttribute(k, v);
  }
  append(node, children);
  return node;
}

export function append(node: Node, children: Child[]): void {
  for (const c of children)
    if (c !== null && c !== undefined && c !== false)
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
}

export function replace(node: Element, ...children: Child[]): void {
  node.replaceChildren();
  append(node, children);
}

/** A small SVG sparkline of [bucket start, count] points. */
export function sparkline(points: [number, number][], width = 240, height = 40): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("data-testid", "sparkline");
  if (points.length === 0) return svg;
  const max = Math.max(1, ...points.map((p) => p[1]));
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "#b00020");
  line.setAttribute("stroke-width", "2");
  line.setAttribute(
    "points",
    points.map((p, i) => `${i * step},${height - (p[1] / max) * (height - 4) - 2}`).join(" "),
  );
  svg.appendChild(line);
  return svg;
}

export function countdown(dueAt: number, now = Date.now()): { text: string; late: boolean } {
  const ms = dueAt - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const t = `${h ? `${h}h ` : ""}${m}m ${String(s).padStart(2, "0")}s`;
  return ms >= 0 ? { text: `due in ${t}`, late: false } : { text: `late by ${t}`, late: true };
}
