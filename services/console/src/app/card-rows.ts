/**
 * Tables become card rows on narrow screens (issue #17 item 6): every body
 * cell gets its column's header as `data-label`, which the stylesheet shows
 * beside the value below 700 px; and tapping a card opens the row's detail
 * (its first link). Done once for every view, so no table needs its own copy.
 */
const NARROW = '(max-width: 700px)';

function headerLabels(table: HTMLTableElement): string[] {
  const row = table.tHead?.rows[0];
  if (!row) return [];
  // The sort arrows are decoration (aria-hidden); the label is the rest.
  return [...row.cells].map((c) => [...c.childNodes].map((n) => (n instanceof HTMLElement && n.getAttribute('aria-hidden') === 'true' ? '' : (n.textContent ?? ''))).join('').trim());
}

function labelCells(root: ParentNode): void {
  for (const table of root.querySelectorAll<HTMLTableElement>('table')) {
    const labels = headerLabels(table);
    if (labels.length === 0) continue;
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let col = 0;
        for (const cell of row.cells) {
          const text = labels[col];
          if (text && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', text);
          col += cell.colSpan;
        }
      }
    }
  }
}

const INTERACTIVE = 'a, button, input, select, textarea, label, summary, [role="button"]';

export function installCardRows(root: HTMLElement): void {
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      labelCells(root);
    });
  }).observe(root, { childList: true, subtree: true });

  root.addEventListener('click', (e) => {
    if (!window.matchMedia(NARROW).matches || !(e.target instanceof Element)) return;
    if (e.target.closest(INTERACTIVE)) return;
    const row = e.target.closest('tbody tr');
    const link = row?.querySelector<HTMLAnchorElement>('a[href]');
    link?.click();
  });
}
