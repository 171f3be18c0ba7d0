// What a person would see wrong in the report at one width (run in the page by
// tests/test_report.py): horizontal overflow, text under 11 px (SVG text as
// rendered, after the chart is scaled), chart labels outside their chart, and
// elements spilling out of their card (unless inside a scrolling container).
() => {
  const out = {overflow: document.documentElement.scrollWidth - window.innerWidth, small: [], clipped: [], spill: []};
  const seen = new Set();
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const hasText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!hasText) continue;
    let size = parseFloat(style.fontSize);
    const svg = el.closest('svg');
    if (svg && el.getScreenCTM) { const m = el.getScreenCTM(); size = size * Math.hypot(m.a, m.b); }
    if (size < 11 - 0.01) out.small.push(`${el.tagName} ${size.toFixed(1)}px "${el.textContent.trim().slice(0,30)}"`);
    if (svg) {
      const r = el.getBoundingClientRect(), s = svg.getBoundingClientRect();
      if (r.width && (r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - 1 || r.bottom > s.bottom + 1))
        out.clipped.push(`"${el.textContent.trim().slice(0,30)}" ${r.left.toFixed(0)}-${r.right.toFixed(0)} in ${s.left.toFixed(0)}-${s.right.toFixed(0)}`);
    }
  }
  for (const card of document.querySelectorAll('.card, section, main')) {
    const c = card.getBoundingClientRect();
    for (const el of card.querySelectorAll('*')) {
      let scroller = el.parentElement, scrolls = false;
      while (scroller && scroller !== card) { const o = getComputedStyle(scroller).overflowX; if (o === 'auto' || o === 'scroll') { scrolls = true; break; } scroller = scroller.parentElement; }
      if (scrolls) continue;
      const r = el.getBoundingClientRect();
      if (r.width && r.right > c.right + 1) { out.spill.push(`${el.tagName}.${el.className} right ${r.right.toFixed(0)} > ${c.right.toFixed(0)}`); break; }
    }
  }
  return out;
}
