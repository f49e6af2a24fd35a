// sbas serve: the page's script. Maps come from /api/map.png (rendered by the server from the
// store); a click reads one pixel's series from /api/series and draws it here on a canvas.
"use strict";

const $ = (id) => document.getElementById(id);
const PICK_COLOURS = ["#1a9e1a", "#8e2bd6"];
const MAP_SIDE = 620; // longer side of the displayed map, CSS pixels

const state = {
  info: null,      // /api/info
  layer: null,     // the shown layer's entry of info.layers
  map: null,       // the shown map's description (X-Sbas-Map header)
  mapToken: 0,     // newest map request; older answers are dropped
  mapsDrawn: 0,    // maps drawn so far (tests wait on it)
  picks: [],       // up to two series, as /api/series returns them
  placeBusy: false,
  placeWanted: null,
};

function status(text, isError) {
  const s = $("status");
  s.textContent = text || "";
  s.className = isError ? "err" : "";
}

function iso(d) { return d.length === 8 ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d; }

function fmt(v, digits) {
  if (v === null || v === undefined || !isFinite(v)) return "no data";
  return Number(v).toFixed(digits === undefined ? 2 : digits);
}

// Round tick steps (1, 2, 5 x 10^k) covering lo..hi with about n ticks.
function niceTicks(lo, hi, n) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, n);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

function tickLabel(v, ticks) {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(digits, 6));
}

async function getJSON(url) {
  const r = await fetch(url);
  const body = await r.json().catch(() => ({ error: `${r.status} ${r.statusText}` }));
  if (!r.ok) throw new Error(body.error || `${r.status}`);
  return body;
}

// ---- layers and controls -------------------------------------------------------------

async function loadInfo() {
  state.info = await getJSON("/api/info");
  $("run").textContent = state.info.run;
  document.title = `sbas serve: ${state.info.run}`;
  const sel = $("layer");
  sel.innerHTML = "";
  for (const l of state.info.layers) {
    const o = document.createElement("option");
    o.value = l.name;
    o.textContent = l.name + (l.per_date ? ` (${l.dates.length} dates)` : "");
    sel.appendChild(o);
  }
  const asked = new URLSearchParams(location.search);
  const first = asked.get("layer");
  // ?noflip=1 opens radar-coordinate maps in their stored orientation (sbas view --noflip).
  $("flip").checked = !/^(1|true)$/.test(asked.get("noflip") || "");
  sel.value = state.info.layers.some((l) => l.name === first) ? first : state.info.layers[0].name;
  chooseLayer();
}

function chooseLayer() {
  const layer = state.info.layers.find((l) => l.name === $("layer").value);
  state.layer = layer;
  $("dateBox").hidden = !layer.per_date;
  if (layer.per_date) {
    const slider = $("date");
    slider.max = String(layer.dates.length - 1);
    slider.value = slider.max;
    const ref = $("refDate");
    ref.innerHTML = "";
    const own = document.createElement("option");
    own.value = "";
    own.textContent = layer.ref_date ? `${iso(layer.ref_date)} (the file's reference date)` : "the file's reference date";
    ref.appendChild(own);
    for (const d of layer.dates) {
      const o = document.createElement("option");
      o.value = d;
      o.textContent = iso(d);
      ref.appendChild(o);
    }
    showDateLabel();
  }
  $("maskBox").hidden = !layer.mask;
  // Only radar-coordinate layers with a pass direction are turned (MintPy's rule, from the server).
  $("flipBox").hidden = !(layer.flip && (layer.flip[0] || layer.flip[1]));
  $("maskName").textContent = layer.mask ? `hide where ${layer.mask} = 0` : "mask";
  const wasMasked = $("mask").checked;
  $("mask").checked = !!layer.mask && (wasMasked || /velocity|timeseries/.test(layer.name));
  $("vmin").value = "";
  $("vmax").value = "";
  const ts = $("ts");
  const before = ts.value;
  ts.innerHTML = "";
  const series = state.info.layers.find((l) => l.name === layer.name).series;
  for (const s of series) {
    const o = document.createElement("option");
    o.value = s;
    o.textContent = s;
    ts.appendChild(o);
  }
  if (series.includes(before)) ts.value = before;
  if (state.picks.length && !series.includes(state.picks[0].ts)) clearPicks();
  loadMap();
}

function showDateLabel() {
  const d = state.layer.dates[Number($("date").value)];
  $("dateLabel").textContent = iso(d);
}

// ---- the map -------------------------------------------------------------------------

function mapQuery() {
  const q = new URLSearchParams({ layer: state.layer.name });
  if (state.layer.per_date) {
    q.set("date", state.layer.dates[Number($("date").value)]);
    if ($("refDate").value) q.set("ref_date", $("refDate").value);
  }
  if ($("mask").checked) q.set("mask", "1");
  const a = $("vmin").value.trim(), b = $("vmax").value.trim();
  if (a !== "" && b !== "") { q.set("vmin", a); q.set("vmax", b); }
  if ($("cmap").value) q.set("colormap", $("cmap").value);
  if (!$("flip").checked) q.set("noflip", "1");
  return q;
}

async function loadMap() {
  const token = ++state.mapToken;
  status("reading the map...");
  const started = performance.now();
  try {
    const r = await fetch(`/api/map.png?${mapQuery()}`);
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      throw new Error(body.error || `${r.status} ${r.statusText}`);
    }
    const desc = JSON.parse(r.headers.get("X-Sbas-Map"));
    const bitmap = await createImageBitmap(await r.blob());
    if (token !== state.mapToken) return;
    drawMap(bitmap, desc);
    status(`map in ${Math.round(performance.now() - started)} ms`);
  } catch (e) {
    if (token === state.mapToken) status(e.message, true);
  }
}

function drawMap(bitmap, desc) {
  state.map = desc;
  state.mapsDrawn += 1;
  const c = $("map");
  c.width = desc.cols;
  c.height = desc.rows;
  const ctx = c.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0);
  const scale = MAP_SIDE / Math.max(desc.rows, desc.cols);
  c.style.width = `${desc.cols * scale}px`;
  c.style.height = `${desc.rows * scale}px`;
  $("title").textContent = desc.title.join(": ");
  $("vmin").placeholder = fmt(desc.vlim[0], 3);
  $("vmax").placeholder = fmt(desc.vlim[1], 3);
  const notes = $("notes");
  notes.innerHTML = "";
  const lines = desc.reference ? [desc.reference.label].concat(desc.notes) : desc.notes;
  for (const n of lines) {
    const li = document.createElement("li");
    li.textContent = n;
    notes.appendChild(li);
  }
  drawColourBar(desc);
  drawOverlay();
}

function drawColourBar(desc) {
  const c = $("cbar");
  const w = Math.max(260, Math.min(MAP_SIDE, 420)), h = 48, dpr = window.devicePixelRatio || 1;
  c.width = w * dpr; c.height = h * dpr;
  c.style.width = `${w}px`; c.style.height = `${h}px`;
  const ctx = c.getContext("2d");
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, w, h);
  const x0 = 10, x1 = w - 10, barH = 14, top = 16;
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = "#222";
  ctx.textAlign = "center";
  ctx.fillText(desc.unit ? desc.unit : "(no unit)", (x0 + x1) / 2, 11);
  const img = new Image();
  img.onload = () => {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(img, x0, top, x1 - x0, barH);
    ctx.strokeStyle = "#444";
    ctx.strokeRect(x0 - 0.5, top - 0.5, x1 - x0 + 1, barH + 1);
  };
  img.src = `/api/colorbar.png?colormap=${encodeURIComponent(desc.colormap)}`;
  const [lo, hi] = desc.vlim;
  const ticks = niceTicks(lo, hi, 6);
  for (const t of ticks) {
    const x = x0 + (t - lo) / (hi - lo) * (x1 - x0);
    ctx.fillRect(x - 0.5, top + barH, 1, 4);
    ctx.fillText(tickLabel(t, ticks), x, top + barH + 16);
  }
  const legend = $("legend");
  legend.innerHTML = `<span><span class="swatch" style="background:#c8c8c8"></span>no data</span>`;
  if (desc.mask_label) {
    legend.innerHTML += `<span><span class="swatch" style="background:#fff"></span>${desc.mask_label}</span>`;
  }
  if (desc.reference) {
    legend.innerHTML += `<span><span class="swatch" style="background:#000;border:2px solid #fff;outline:1px solid #000"></span>reference point</span>`;
  }
}

// Row and column of the shown map from those of the map as stored, or back: the map is shown
// flipped as the server says (X-Sbas-Map "flipped": [left-right, up-down]); a flip undoes itself.
function turned(row, col) {
  const m = state.map;
  return [m.flipped[1] ? m.rows - 1 - row : row, m.flipped[0] ? m.cols - 1 - col : col];
}

// Displayed canvas position (CSS pixels) of the centre of product pixel (y, x).
function screenOf(y, x) {
  const m = state.map, c = $("map");
  const sx = c.clientWidth / m.cols, sy = c.clientHeight / m.rows;
  const [row, col] = turned((y - m.window[0]) / m.step, (x - m.window[2]) / m.step);
  return [(col + 0.5) * sx, (row + 0.5) * sy];
}

// Product pixel under a mouse event, or null outside the image.
function pixelOf(ev) {
  const m = state.map, c = $("map");
  if (!m) return null;
  const r = c.getBoundingClientRect();
  const col = Math.floor((ev.clientX - r.left - c.clientLeft) / c.clientWidth * m.cols);
  const row = Math.floor((ev.clientY - r.top - c.clientTop) / c.clientHeight * m.rows);
  if (col < 0 || row < 0 || col >= m.cols || row >= m.rows) return null;
  const [storedRow, storedCol] = turned(row, col);
  return [m.window[0] + storedRow * m.step, m.window[2] + storedCol * m.step];
}

function drawOverlay() {
  const c = $("overlay"), map = $("map"), dpr = window.devicePixelRatio || 1;
  const w = map.clientWidth, h = map.clientHeight;
  c.width = w * dpr; c.height = h * dpr;
  c.style.width = `${w}px`; c.style.height = `${h}px`;
  const ctx = c.getContext("2d");
  ctx.scale(dpr, dpr);
  if (!state.map) return;
  const ref = state.map.reference;
  if (ref) {
    const [x, y] = screenOf(ref.y, ref.x);
    ctx.fillStyle = "#fff";
    ctx.fillRect(x - 6, y - 6, 12, 12);
    ctx.fillStyle = "#000";
    ctx.fillRect(x - 4.5, y - 4.5, 9, 9);
  }
  state.picks.forEach((p, k) => {
    const [x, y] = screenOf(p.y, p.x);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#fff";
    ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = PICK_COLOURS[k];
    ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(x - 12, y); ctx.lineTo(x - 4, y); ctx.moveTo(x + 4, y); ctx.lineTo(x + 12, y);
    ctx.moveTo(x, y - 12); ctx.lineTo(x, y - 4); ctx.moveTo(x, y + 4); ctx.lineTo(x, y + 12);
    ctx.stroke();
    ctx.font = "bold 13px system-ui, sans-serif";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#fff";
    ctx.strokeText("AB"[k], x + 10, y - 8);
    ctx.fillStyle = PICK_COLOURS[k];
    ctx.fillText("AB"[k], x + 10, y - 8);
  });
}

// ---- cursor position -------------------------------------------------------------------

function onMove(ev) {
  const px = pixelOf(ev);
  if (!px) return;
  $("cursor").textContent = `y=${px[0]}, x=${px[1]}`;
  state.placeWanted = px;
  askPlace();
}

// One location query at a time: the newest wanted pixel is asked when the previous answers.
async function askPlace() {
  if (state.placeBusy || !state.placeWanted) return;
  const [y, x] = state.placeWanted;
  state.placeWanted = null;
  state.placeBusy = true;
  try {
    const p = await getJSON(`/api/place?${new URLSearchParams({ layer: state.layer.name, y, x })}`);
    let where = "";
    if (p.lat !== undefined) where = ` · lat ${p.lat.toFixed(5)}, lon ${p.lon.toFixed(5)}`;
    else if (p.map_y !== undefined) where = ` · map y ${p.map_y.toFixed(1)}, x ${p.map_x.toFixed(1)}`;
    if (!state.placeWanted) $("cursor").textContent = `y=${p.y}, x=${p.x}${where}`;
  } catch (e) {
    // The location is a nicety: rows and columns stay shown.
  } finally {
    state.placeBusy = false;
    if (state.placeWanted) askPlace();
  }
}

// ---- series ---------------------------------------------------------------------------------

async function onClick(ev) {
  const px = pixelOf(ev);
  if (!px) return;
  await pick(px[0], px[1]);
}

async function pick(y, x) {
  const q = new URLSearchParams({ ts: $("ts").value, y, x });
  if (state.layer.per_date && $("refDate").value) q.set("ref_date", $("refDate").value);
  status(`reading the series of y=${y}, x=${x}...`);
  const started = performance.now();
  try {
    const s = await getJSON(`/api/series?${q}`);
    s.query = q.toString();
    if (state.picks.length >= 2) state.picks = [];
    state.picks.push(s);
    status(`series in ${Math.round(performance.now() - started)} ms`);
  } catch (e) {
    status(e.message, true);
  }
  drawOverlay();
  drawSeries();
  showPicks();
}

function clearPicks() {
  state.picks = [];
  drawOverlay();
  drawSeries();
  showPicks();
}

function showPicks() {
  const box = $("picks");
  box.innerHTML = "";
  state.picks.forEach((s, k) => {
    const div = document.createElement("div");
    const fit = s.fit ? `fitted velocity ${fmt(s.fit.rate_mm_per_year)} mm/year` : "no fit";
    const vel = s.velocity_mm_per_year === null ? "" : `; velocity product ${fmt(s.velocity_mm_per_year)} mm/year`;
    const masked = s.masked ? "; masked out by maskTempCoh (low temporal coherence)" : "";
    div.innerHTML = `<b style="color:${PICK_COLOURS[k]}">${"AB"[k]}</b> ${s.ts} y=${s.y}, x=${s.x}: ${fit}${vel}${masked} · `;
    const a = document.createElement("a");
    a.href = `/api/series.csv?${s.query}`;
    a.textContent = "CSV";
    a.download = `${s.ts.replace(/\//g, "_")}_y${s.y}_x${s.x}.csv`;
    div.appendChild(a);
    box.appendChild(div);
  });
}

// Dates as decimal years: ticks on 1 January (long series) or on months.
function timeTicks(t0, t1) {
  const out = [];
  const span = t1 - t0;
  if (span >= 2) {
    const every = span > 12 ? 2 : 1;
    for (let y = Math.ceil(t0); y <= t1; y += every) out.push([y, String(y)]);
  } else {
    const months = span > 1 ? 3 : span > 0.5 ? 2 : 1;
    let y = Math.floor(t0), m = 0;
    while (y + m / 12 < t0) { m += 1; if (m === 12) { m = 0; y += 1; } }
    while (m % months) { m += 1; if (m === 12) { m = 0; y += 1; } }
    while (y + m / 12 <= t1) {
      out.push([y + m / 12, `${y}-${String(m + 1).padStart(2, "0")}`]);
      m += months;
      if (m >= 12) { m -= 12; y += 1; }
    }
  }
  return out;
}

function drawSeries() {
  const c = $("plot"), dpr = window.devicePixelRatio || 1;
  const W = 720, H = 460;
  c.width = W * dpr; c.height = H * dpr;
  c.style.width = `${W}px`; c.style.height = `${H}px`;
  const ctx = c.getContext("2d");
  ctx.scale(dpr, dpr);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  // Caption above the box, legend below the date axis: neither hides a point.
  const L = 64, R = 16, T = 30, B = 96;
  const plotted = { series: [], box: [L, T, W - R, H - B] };
  window.sbasPlot = plotted;
  ctx.font = "12px system-ui, sans-serif";
  if (!state.picks.length) {
    ctx.fillStyle = "#888";
    ctx.textAlign = "center";
    ctx.fillText("click a pixel of the map", W / 2, H / 2);
    return;
  }
  let t0 = Infinity, t1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  for (const s of state.picks) {
    for (const line of s.raw ? [s, s.raw] : [s]) {
      line.years.forEach((t, i) => {
        t0 = Math.min(t0, t); t1 = Math.max(t1, t);
        const v = line.mm[i];
        if (v !== null && isFinite(v)) { v0 = Math.min(v0, v); v1 = Math.max(v1, v); }
      });
    }
  }
  if (!isFinite(v0)) { v0 = -1; v1 = 1; }
  if (v1 - v0 < 1e-6) { v0 -= 1; v1 += 1; }
  const pad = (v1 - v0) * 0.08;
  v0 -= pad; v1 += pad;
  const tpad = Math.max((t1 - t0) * 0.03, 1 / 365);
  t0 -= tpad; t1 += tpad;
  const X = (t) => L + (t - t0) / (t1 - t0) * (W - L - R);
  const Y = (v) => T + (v1 - v) / (v1 - v0) * (H - T - B);
  plotted.t = [t0, t1];
  plotted.v = [v0, v1];

  // grid, ticks, labels
  ctx.strokeStyle = "#e4e4e4";
  ctx.fillStyle = "#222";
  ctx.lineWidth = 1;
  const vt = niceTicks(v0, v1, 7);
  ctx.textAlign = "right";
  for (const v of vt) {
    const y = Math.round(Y(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(W - R, y); ctx.stroke();
    ctx.fillText(tickLabel(v, vt), L - 6, y + 4);
  }
  ctx.textAlign = "center";
  for (const [t, label] of timeTicks(t0, t1)) {
    const x = Math.round(X(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, T); ctx.lineTo(x, H - B); ctx.stroke();
    ctx.fillText(label, x, H - B + 16);
  }
  if (v0 < 0 && v1 > 0) {
    ctx.strokeStyle = "#999";
    const y = Math.round(Y(0)) + 0.5;
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(W - R, y); ctx.stroke();
  }
  ctx.strokeStyle = "#444";
  ctx.strokeRect(L + 0.5, T + 0.5, W - L - R, H - T - B);
  ctx.fillText("date", (L + W - R) / 2, H - B + 34);
  ctx.save();
  ctx.translate(16, (T + H - B) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText("displacement (mm)", 0, 0);
  ctx.restore();

  // the reference date of the first series
  const first = state.picks[0];
  const k = first.dates.indexOf(first.ref_date);
  if (k >= 0) {
    const x = Math.round(X(first.years[k])) + 0.5;
    ctx.setLineDash([2, 3]);
    ctx.strokeStyle = "#555";
    ctx.beginPath(); ctx.moveTo(x, T); ctx.lineTo(x, H - B); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#555";
    ctx.textAlign = "left";
    ctx.fillText(`reference date ${iso(first.ref_date)}`, x + 4, H - B - 6);
  }

  // the raw series a corrected one came from: open circles on a dotted line, under it
  const rawPoints = state.picks.map((s, n) => {
    if (!s.raw) return null;
    const pts = [];
    ctx.strokeStyle = PICK_COLOURS[n];
    ctx.lineWidth = 1;
    ctx.setLineDash([1, 3]);
    ctx.beginPath();
    let open = false;
    s.raw.years.forEach((t, i) => {
      const v = s.raw.mm[i];
      if (v === null || !isFinite(v)) { open = false; return; }
      const x = X(t), y = Y(v);
      pts.push({ date: s.raw.dates[i], mm: v, px: [x, y] });
      if (open) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      open = true;
    });
    ctx.stroke();
    ctx.setLineDash([]);
    for (const p of pts) {
      ctx.beginPath(); ctx.arc(p.px[0], p.px[1], 3.2, 0, 2 * Math.PI); ctx.stroke();
    }
    return { ts: s.raw.ts, points: pts };
  });

  // the series and their fitted lines
  state.picks.forEach((s, n) => {
    const colour = PICK_COLOURS[n];
    const points = [];
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    let open = false;
    s.years.forEach((t, i) => {
      const v = s.mm[i];
      if (v === null || !isFinite(v)) { open = false; return; }
      const x = X(t), y = Y(v);
      points.push({ date: s.dates[i], mm: v, px: [x, y] });
      if (open) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      open = true;
    });
    ctx.globalAlpha = 0.45;
    ctx.stroke();
    ctx.globalAlpha = 1;
    for (const p of points) {
      ctx.beginPath(); ctx.arc(p.px[0], p.px[1], 3.2, 0, 2 * Math.PI); ctx.fill();
    }
    if (s.fit) {
      const f = s.fit;
      const a = s.years[0], b = s.years[s.years.length - 1];
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(X(a), Y(f.offset_mm + f.rate_mm_per_year * (a - f.t0)));
      ctx.lineTo(X(b), Y(f.offset_mm + f.rate_mm_per_year * (b - f.t0)));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    plotted.series.push({ ts: s.ts, y: s.y, x: s.x, points, fit: s.fit, raw: rawPoints[n] });
  });

  // legend
  ctx.textAlign = "left";
  state.picks.forEach((s, n) => {
    const y = H - B + 56 + n * 18;
    const fit = s.fit ? `: velocity ${fmt(s.fit.rate_mm_per_year)} mm/year` + (n === 0 ? " (dashed: least-squares line)" : "") : "";
    ctx.fillStyle = PICK_COLOURS[n];
    ctx.beginPath(); ctx.arc(L + 4, y - 4, 3.2, 0, 2 * Math.PI); ctx.fill();
    ctx.fillText(`${"AB"[n]}  y=${s.y}, x=${s.x}${fit}`, L + 14, y);
  });
  if (state.picks.some((s) => s.raw)) {
    const y = H - B + 56 + state.picks.length * 18;
    ctx.fillStyle = "#333";
    ctx.strokeStyle = "#333";
    ctx.beginPath(); ctx.arc(L + 4, y - 4, 3.2, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillText(`open circles, dotted: ${first.raw ? first.raw.ts : "raw series"} (before the corrections)`, L + 14, y);
  }
  const rp = first.ref_yx ? ` and the reference point y=${first.ref_yx[0]}, x=${first.ref_yx[1]}` : "";
  ctx.fillStyle = "#333";
  ctx.fillText(`${first.ts}, relative to ${iso(first.ref_date)}${rp}`, L, T - 10);
}

// A checksum of the map's pixels (tests use it to see the map change).
window.sbasMapChecksum = function () {
  const c = $("map");
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let h = 2166136261;
  for (let i = 0; i < d.length; i++) { h ^= d[i]; h = Math.imul(h, 16777619) >>> 0; }
  return h;
};
window.sbasState = state;
window.sbasPick = pick;

// ---- wiring ---------------------------------------------------------------------------------

let dateTimer = null;
$("layer").addEventListener("change", chooseLayer);
$("date").addEventListener("input", () => {
  showDateLabel();
  clearTimeout(dateTimer);
  dateTimer = setTimeout(loadMap, 60);
});
$("refDate").addEventListener("change", () => { loadMap(); refreshPicks(); });
$("mask").addEventListener("change", loadMap);
$("flip").addEventListener("change", loadMap);
$("cmap").addEventListener("change", loadMap);
for (const id of ["vmin", "vmax"]) {
  $(id).addEventListener("change", () => {
    const a = $("vmin").value.trim(), b = $("vmax").value.trim();
    if ((a === "") === (b === "")) loadMap();
  });
}
$("auto").addEventListener("click", () => { $("vmin").value = ""; $("vmax").value = ""; loadMap(); });
$("map").addEventListener("mousemove", onMove);
$("map").addEventListener("click", onClick);
$("clear").addEventListener("click", clearPicks);
$("ts").addEventListener("change", refreshPicks);
window.addEventListener("resize", drawOverlay);

// Re-reads the picked pixels (another series product or reference date).
async function refreshPicks() {
  const old = state.picks.map((p) => [p.y, p.x]);
  state.picks = [];
  for (const [y, x] of old) await pick(y, x);
  if (!old.length) { drawSeries(); showPicks(); }
}

drawSeries();
loadInfo().catch((e) => status(e.message, true));
