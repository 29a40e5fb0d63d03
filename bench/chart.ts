// The results chart: one horizontal bar per figure, grouped by section, for the
// berth/Docker ratio of the medians on a log scale centred on 1.0 (parity).
// Green where berth is ahead (smaller time/memory, more requests/s), red where
// it trails, grey within 3% of parity; a blue tick marks a ratio target.
// Written as a PNG with png.ts.
import { Raster, textWidth, type RGB } from './png';
import type { Row } from './report';
import { fmtRatio } from './report';

const INK: RGB = [30, 30, 30];
const MUTED: RGB = [110, 110, 110];
const GRID: RGB = [226, 226, 226];
const AHEAD: RGB = [46, 160, 67];
const BEHIND: RGB = [207, 34, 46];
const TARGET: RGB = [30, 70, 190];
const PAR: RGB = [150, 150, 150];
/** within ±3% counts as parity: grey, neither ahead nor behind */
const PAR_BAND = 1.03;
const BAND: RGB = [246, 246, 246];

const S = 2; // font scale
const ROW = 26;
const SECTION = 32;
const M = 24; // outer margin

export function renderChart(rows: Row[], title: string, subtitle: string[]): Buffer {
  const shown = rows.filter((r) => r.metric.chart !== false);
  const labels = shown.map((r) => r.metric.label + (r.metric.better === 'higher' ? ' ↑' : ''));
  const labelW = Math.max(...labels.map((l) => textWidth(l, S)), 200) + 24;
  const plotW = 720;
  const valueW = 110;
  const width = M + labelW + plotW + valueW + M;

  const sections: string[] = [];
  for (const r of shown) if (!sections.includes(r.section)) sections.push(r.section);
  const headerH = 3 * 7 + 14 + subtitle.length * 22 + 16;
  const axisH = 50;
  const legendH = 34;
  const height = M + headerH + sections.length * SECTION + shown.length * ROW + axisH + legendH + M;
  const img = new Raster(width, height);

  // title and subtitle
  let y = M;
  img.text(M, y, title, INK, 3);
  y += 3 * 7 + 14;
  for (const s of subtitle) {
    img.text(M, y, s, MUTED, S);
    y += 22;
  }
  y += 16;

  // log scale, symmetric around 1
  const ratios = shown.map((r) => r.ratio).filter((r): r is number => r !== undefined && r > 0);
  const targets = shown.map((r) => r.metric.target?.ratioMax ?? r.metric.target?.ratioMin).filter((t): t is number => t !== undefined);
  const extent = Math.max(Math.log10(2), ...[...ratios, ...targets].map((r) => Math.abs(Math.log10(r))));
  const k = [Math.log10(2), Math.log10(4), 1, Math.log10(20), 2, Math.log10(200), 3].find((c) => c >= extent * 1.05) ?? extent * 1.05;
  const plotX = M + labelW;
  const mid = plotX + plotW / 2;
  const xOf = (r: number) => mid + (Math.max(-k, Math.min(k, Math.log10(r))) / k) * (plotW / 2);
  // beyond ±1.5 decades only the decades are labelled: the 1-2-5 steps would overlap
  const steps = k > 1.5 ? [0.001, 0.01, 0.1, 1, 10, 100, 1000] : [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 4, 5, 10, 20, 50, 100];
  const ticks = steps.filter((t) => Math.abs(Math.log10(t)) <= k + 1e-9 && !(k > 0.7 && (t === 0.25 || t === 4)));

  const top = y;
  const bottom = top + sections.length * SECTION + shown.length * ROW;
  for (const t of ticks) if (t !== 1) img.vline(xOf(t), top, bottom, GRID, 1);

  for (const section of sections) {
    img.text(M, y + 12, section, MUTED, S);
    y += SECTION;
    const inSection = shown.filter((r) => r.section === section);
    inSection.forEach((r, i) => {
      if (i % 2 === 0) img.fillRect(M, y, labelW + plotW + valueW, ROW, BAND);
      for (const t of ticks) if (t !== 1) img.vline(xOf(t), y, y + ROW, GRID, 1);
      const label = r.metric.label + (r.metric.better === 'higher' ? ' ↑' : '');
      img.text(M + 8, y + (ROW - 14) / 2, label, INK, S);
      if (r.ratio !== undefined && r.ratio > 0) {
        const ahead = r.metric.better === 'lower' ? r.ratio < 1 : r.ratio > 1;
        const par = r.ratio < PAR_BAND && r.ratio > 1 / PAR_BAND;
        const colour = par ? PAR : ahead ? AHEAD : BEHIND;
        const x = xOf(r.ratio);
        const x0 = Math.min(x, mid);
        img.fillRect(x0, y + 5, Math.max(3, Math.abs(x - mid)), ROW - 10, colour);
        img.text(plotX + plotW + 14, y + (ROW - 14) / 2, fmtRatio(r.ratio), colour, S);
      } else {
        img.text(plotX + plotW + 14, y + (ROW - 14) / 2, 'n/a', MUTED, S);
      }
      const t = r.metric.target?.ratioMax ?? r.metric.target?.ratioMin;
      if (t !== undefined) img.fillRect(xOf(t) - 1, y + 1, 3, ROW - 2, TARGET);
      y += ROW;
    });
  }
  img.vline(mid - 1, top, bottom, INK, 2); // parity

  // axis
  img.hline(plotX, plotX + plotW, bottom, INK, 1);
  for (const t of ticks) {
    const x = xOf(t);
    img.vline(x, bottom, bottom + 6, INK, 1);
    const s = `${t}×`;
    img.text(x - textWidth(s, S) / 2, bottom + 10, s, INK, S);
  }
  const axisLabel = 'berth / Docker (median), log scale';
  img.text(mid - textWidth(axisLabel, S) / 2, bottom + 30, axisLabel, MUTED, S);

  // legend
  let lx = M;
  const ly = bottom + axisH + 10;
  const key = (c: RGB, s: string, w = 22) => {
    img.fillRect(lx, ly + 1, w, 12, c);
    lx += w + 8;
    lx += img.text(lx, ly, s, INK, S) + 28;
  };
  key(AHEAD, 'berth ahead');
  key(BEHIND, 'berth behind');
  key(PAR, 'within 3%');
  key(TARGET, 'target', 3);
  img.text(lx, ly, '↑ higher is better', INK, S);
  return img.encodePng();
}
