// Keyboard shortcuts act on the page, never on what the moderator is typing.
export function typingIn(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return e.ctrlKey || e.metaKey || e.altKey || Boolean(t?.closest("input, textarea, select"));
}
