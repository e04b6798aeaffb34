// The dashboard's small live chart: referrals, offers and accepts per hour
// over the last 12 hours, as inline SVG built here (no library, no canvas,
// so it scales and screen readers get its table).

const NS = 'http://www.w3.org/2000/svg';
const HOURS = 12;

export class hourly {
  constructor() { this.counts = new Map(); }  // hour start (ms) -> {referrals, offers, accepts}

  static hour_of(iso) {
    const ms = typeof iso === 'number' ? iso : Date.parse(iso);
    return Math.floor(ms / 3600000) * 3600000;
  }

  add(series, iso) {
    if (!iso) return;
    const h = hourly.hour_of(iso);
    if (!this.counts.has(h)) this.counts.set(h, {referrals: 0, offers: 0, accepts: 0});
    this.counts.get(h)[series] += 1;
  }

  clear() { this.counts.clear(); }

  rows(now = Date.now()) {
    const last = hourly.hour_of(now);
    const out = [];
    for (let i = HOURS - 1; i >= 0; i--) {
      const h = last - i * 3600000;
      out.push({hour: h, ...(this.counts.get(h) || {referrals: 0, offers: 0, accepts: 0})});
    }
    return out;
  }
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// Draws into `box`: one group of three bars per hour and a legend.
export function draw(box, data, words) {
  const rows = data.rows();
  const series = [['referrals', 'bar-referrals'], ['offers', 'bar-offers'], ['accepts', 'bar-accepts']];
  const max = Math.max(1, ...rows.flatMap((r) => series.map(([k]) => r[k])));
  const W = 600, H = 180, left = 28, bottom = 22, top = 8;
  const plotW = W - left - 4, plotH = H - top - bottom;
  const groupW = plotW / rows.length, barW = Math.max(2, (groupW - 4) / 3);
  const root = svg('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-title', class: 'chart-svg'});
  root.append(svg('title', {id: 'chart-title'}, words.desc));
  const ticks = [0, Math.ceil(max / 2), max];
  for (const v of ticks) {
    const y = top + plotH - (v / max) * plotH;
    root.append(svg('line', {x1: left, x2: W - 4, y1: y, y2: y, class: 'grid'}));
    root.append(svg('text', {x: left - 4, y: y + 4, class: 'axis', 'text-anchor': 'end'}, String(v)));
  }
  rows.forEach((r, i) => {
    const x0 = left + i * groupW + 2;
    series.forEach(([k, cls], j) => {
      const h = (r[k] / max) * plotH;
      const rect = svg('rect', {x: x0 + j * barW, y: top + plotH - h, width: barW - 1, height: Math.max(h, 0),
                                class: cls});
      rect.append(svg('title', {}, `${words[k]} ${r[k]}`));
      root.append(rect);
    });
    if (i % 2 === 0 || rows.length <= 6) {
      const label = new Date(r.hour).toLocaleTimeString(words.locale, {hour: '2-digit', minute: '2-digit', hour12: false});
      root.append(svg('text', {x: x0 + groupW / 2 - 2, y: H - 6, class: 'axis', 'text-anchor': 'middle'}, label));
    }
  });
  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const [k, cls] of series) {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = `swatch ${cls}`;
    li.append(sw, `${words[k]} ${rows.reduce((a, r) => a + r[k], 0)}`);
    legend.append(li);
  }
  box.replaceChildren(root, legend);
}
