// Keyboard shortcuts: they act on the page, never on what the moderator is typing, and always with
// the state of the latest render (a listener re-attached in an effect would lag a frame behind, so
// a quick "type a reason, press r" could decide with the reason before).
import { useEffect, useRef } from "preact/hooks";

export function typingIn(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return e.ctrlKey || e.metaKey || e.altKey || Boolean(t?.closest("input, textarea, select"));
}

/** Calls the latest `onKey` for every key pressed outside a form field. */
export function useKeys(onKey: (e: KeyboardEvent) => void): void {
  const latest = useRef(onKey);
  latest.current = onKey;
  useEffect(() => {
    const f = (e: KeyboardEvent) => {
      if (!typingIn(e)) latest.current(e);
    };
    document.addEventListener("keydown", f);
    return () => document.removeEventListener("keydown", f);
  }, []);
}
