/// The page served at `/` (docs/API.md): search by text, search by image (upload,
/// drop or draw), and a look inside the model — provenance, metrics, the training curve,
/// a PCA map of the joint embedding space and the image × caption similarity heat map.
///
/// One self-contained document: inline CSS and vanilla JavaScript, no external resources,
/// no build step. It talks to the API only through relative URLs, so it works behind any
/// prefix-free proxy. Element ids are stable so a browser test can drive it:
/// `#query`, `#k`, `#explain`, `#results` (`.result` > `.rank`, `.caption`, `.score`,
/// `.probability`), `#file`, `#drop`, `#draw`, `#colours`, `#shape`, `#position`,
/// `#stamp`, `#clear-drawing`, `#submit-drawing`, `#caption-k`, `#upload-preview`,
/// `#captions` (`.caption-result` > `.caption`), `#classification`
/// (`#class-colour`, `#class-shape`, `#class-position`, each with `.label`), `#error`,
/// `#status`, `#model-info`, `#metrics`, `#training-plot`, `#map-space`, `#space-status`,
/// `#pca`, `#heatmap`, `#heatmap-info`.
public enum WebPage {
    /// The page as HTML text (UTF-8).
    public static let html: String = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nanovlm — look for shapes</title>
<link rel="icon" href="data:,">
<style>
:root {
  --bg: #0e1117; --card: #161b24; --card2: #1d2430; --line: #2a3342;
  --text: #e7eaf0; --muted: #98a2b3; --accent: #7aa2ff; --accent2: #f0b35a;
  --bad: #ff6b6b; --good: #57d38c; --radius: 12px;
  color-scheme: dark;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif; }
header { display: flex; align-items: center; gap: 12px; flex-wrap: wrap;
  padding: 18px 24px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 20px; margin: 0; letter-spacing: .2px; }
header p { margin: 0; color: var(--muted); flex: 1 1 260px; }
#status { font-size: 12px; padding: 3px 10px; border-radius: 99px; background: var(--card2);
  color: var(--muted); border: 1px solid var(--line); }
#status.ready { color: var(--good); border-color: #2c6b4a; }
#status.waiting { color: var(--accent2); border-color: #6b5330; }
main { display: grid; gap: 18px; padding: 18px 24px 40px; max-width: 1280px; margin: 0 auto;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); }
section { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius);
  padding: 16px 18px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 16px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 16px 0 8px; color: var(--muted); font-weight: 600; }
.hint { color: var(--muted); font-size: 13px; margin: 4px 0 10px; }
.row { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
label { color: var(--muted); font-size: 13px; }
input, select, button { font: inherit; color: var(--text); background: var(--card2);
  border: 1px solid var(--line); border-radius: 8px; padding: 7px 10px; }
input:focus-visible, select:focus-visible, button:focus-visible,
canvas:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
#query { flex: 1 1 220px; min-width: 0; font-size: 16px; }
input[type=number] { width: 5.5em; }
button { cursor: pointer; }
button.primary { background: var(--accent); color: #0b1020; border-color: var(--accent); font-weight: 600; }
button:disabled { opacity: .5; cursor: default; }
.check { display: inline-flex; gap: 6px; align-items: center; color: var(--text); }
.check input { width: 16px; height: 16px; margin: 0; }
#error { display: none; margin: 14px 24px 0; padding: 10px 14px; border-radius: 10px;
  background: #3a1d22; border: 1px solid #7a2f38; color: #ffd6d9; }
#error.show { display: flex; gap: 12px; align-items: flex-start; }
#error .msg { flex: 1; word-break: break-word; }
#error button { padding: 2px 9px; background: transparent; border-color: #7a2f38; color: #ffd6d9; }
.grid { display: grid; gap: 12px; margin-top: 14px;
  grid-template-columns: repeat(auto-fill, minmax(148px, 1fr)); }
.result { margin: 0; background: var(--card2); border: 1px solid var(--line); border-radius: 10px;
  padding: 10px; display: flex; flex-direction: column; align-items: center; gap: 6px; }
.result img, .thumb { width: 96px; height: 96px; image-rendering: pixelated; background: #000;
  border-radius: 4px; border: 1px solid var(--line); }
.result figcaption { width: 100%; text-align: center; font-size: 13px; }
.result .rank { color: var(--accent2); font-weight: 700; margin-right: 4px; }
.result .caption { font-weight: 600; }
.nums { display: flex; flex-wrap: wrap; justify-content: center; gap: 2px 8px; color: var(--muted); font-size: 12px;
  font-variant-numeric: tabular-nums; }
.nums span { white-space: nowrap; }
.explanation { width: 100%; font-size: 11px; font-variant-numeric: tabular-nums; }
.explanation .bar-row { grid-template-columns: minmax(0, 3.6em) minmax(24px, 1fr) 3.4em; gap: 4px; }
.bar-row { display: grid; grid-template-columns: 5.5em 1fr 3.6em; gap: 5px; align-items: center; }
.bar-row .w { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); }
.bar-row .v { text-align: right; color: var(--muted); }
.track { height: 8px; background: #0b0f15; border-radius: 4px; position: relative; overflow: hidden; }
.fill { position: absolute; top: 0; bottom: 0; left: 0; background: var(--accent); border-radius: 4px; }
.fill.neg { background: var(--bad); }
.fill.bias { background: var(--muted); }
.empty { color: var(--muted); font-style: italic; margin-top: 14px; }
.split { display: grid; gap: 16px; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
@media (max-width: 720px) { .split { grid-template-columns: minmax(0, 1fr); } #query { flex-basis: 100%; }
  header, main { padding-left: 12px; padding-right: 12px; } #error { margin: 12px 12px 0; } }
.drop { border: 2px dashed var(--line); border-radius: 10px; padding: 18px 12px; text-align: center;
  color: var(--muted); cursor: pointer; }
.drop.over { border-color: var(--accent); color: var(--text); background: #1a2233; }
.drop input[type=file] { display: block; margin: 10px auto 0; max-width: 100%; }
.sketch { display: flex; gap: 14px; flex-wrap: wrap; align-items: flex-start; }
.canvas-wrap { position: relative; width: 192px; height: 192px; flex: none; }
#draw { width: 192px; height: 192px; image-rendering: pixelated; background: #000; cursor: crosshair;
  border-radius: 4px; border: 1px solid var(--line); display: block; }
.cells { position: absolute; inset: 12px; display: grid; grid-template-columns: repeat(3, 1fr);
  pointer-events: none; }
.cells span { border: 1px dashed rgba(255, 255, 255, .09); }
.tools { display: flex; flex-direction: column; gap: 8px; min-width: 0; flex: 1 1 180px; }
#colours { display: flex; flex-wrap: wrap; gap: 6px; border: 0; padding: 0; margin: 0; }
#colours legend { color: var(--muted); font-size: 13px; padding: 0; margin-bottom: 4px; }
.swatch { position: relative; }
.swatch input { position: absolute; opacity: 0; width: 26px; height: 26px; margin: 0; cursor: pointer; }
.swatch span { display: block; width: 26px; height: 26px; border-radius: 50%; border: 2px solid var(--line); }
.swatch input:checked + span { border-color: #fff; box-shadow: 0 0 0 2px var(--accent); }
.swatch input:focus-visible + span { outline: 2px solid var(--accent); outline-offset: 2px; }
.uploaded { display: flex; gap: 12px; align-items: center; margin-top: 12px; min-height: 0; }
#upload-preview { width: 96px; height: 96px; image-rendering: pixelated; background: #000;
  border-radius: 4px; border: 1px solid var(--line); display: none; }
#upload-preview.show { display: block; }
ol.captions { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 6px; }
.caption-result { display: grid; grid-template-columns: 2.2em 36px 1fr auto; gap: 8px; align-items: center;
  background: var(--card2); border: 1px solid var(--line); border-radius: 8px; padding: 6px 8px; }
.caption-result .rank { color: var(--accent2); font-weight: 700; }
.caption-result img { width: 32px; height: 32px; image-rendering: pixelated; background: #000; }
.caption-result .nums { justify-content: flex-end; }
.attr { background: var(--card2); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px;
  margin-bottom: 8px; }
.attr .head { display: flex; justify-content: space-between; gap: 8px; margin-bottom: 6px; }
.attr .label { font-weight: 700; }
.attr .bar-row { grid-template-columns: 6.5em 1fr 3.4em; font-size: 11px; margin: 2px 0; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 14px; margin: 0;
  font-size: 13px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 6px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { color: var(--muted); font-weight: 600; }
#training-plot svg { width: 100%; height: auto; display: block; }
.plot-legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: var(--muted); }
.key { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 5px; }
.maps { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(min(100%, 380px), 1fr)); }
#pca, #heatmap { width: 100%; aspect-ratio: 1 / 1; background: #0a0d12; border: 1px solid var(--line);
  border-radius: 8px; display: block; }
#heatmap { image-rendering: pixelated; cursor: crosshair; }
#heatmap-info, #space-status { font-size: 12px; color: var(--muted); min-height: 1.4em; margin-top: 6px;
  word-break: break-word; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 0 0 24px; }
footer a { color: var(--accent); }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
</style>
</head>
<body>
<header>
  <h1>nanovlm</h1>
  <p>A tiny CLIP-style model of 243 shapes: search images by text, captions by image, and look inside.</p>
  <span id="status" role="status" aria-live="polite">checking…</span>
</header>

<div id="error" role="alert" aria-live="assertive">
  <span class="msg" id="error-message"></span>
  <button type="button" id="error-close" aria-label="Dismiss the error">×</button>
</div>

<main>
  <section id="text-search" aria-labelledby="text-search-title">
    <h2 id="text-search-title">Text → image</h2>
    <p class="hint">Type a caption or part of one — <em>pink circle top</em>, <em>red</em>, <em>square bottom-right</em>.</p>
    <form class="row" id="search-form" role="search" autocomplete="off">
      <label class="sr-only" for="query">Caption to search for</label>
      <input id="query" name="q" type="search" placeholder="pink circle top" maxlength="256"
             spellcheck="false" autocapitalize="none" enterkeyhint="search">
      <label for="k">k</label>
      <input id="k" name="k" type="number" min="1" max="243" value="5" inputmode="numeric">
      <label class="check" for="explain"><input id="explain" name="explain" type="checkbox"> explain</label>
    </form>
    <div id="results" class="grid" aria-live="polite" aria-label="Ranked images"></div>
  </section>

  <section id="image-search" aria-labelledby="image-search-title">
    <h2 id="image-search-title">Image → text</h2>
    <div class="split">
      <div>
        <div class="drop" id="drop">
          <label for="file">Drop a PNG here, or choose one</label>
          <input id="file" type="file" accept="image/png,.png">
        </div>
        <h3>…or draw one</h3>
        <div class="sketch">
          <div class="canvas-wrap">
            <canvas id="draw" width="32" height="32" tabindex="0" role="img"
                    aria-label="32 by 32 drawing canvas; click a cell to stamp the chosen shape"></canvas>
            <div class="cells" aria-hidden="true"><span></span><span></span><span></span><span></span><span></span><span></span><span></span><span></span><span></span></div>
          </div>
          <div class="tools">
            <fieldset id="colours"><legend>Colour</legend></fieldset>
            <div class="row">
              <label for="shape">Shape</label>
              <select id="shape"><option>circle</option><option>square</option><option>triangle</option></select>
            </div>
            <div class="row">
              <label for="position">Position</label>
              <select id="position"></select>
            </div>
            <div class="row">
              <button type="button" id="stamp">Stamp</button>
              <button type="button" id="clear-drawing">Clear</button>
              <button type="button" id="submit-drawing" class="primary">Search</button>
            </div>
          </div>
        </div>
        <div class="row" style="margin-top:12px">
          <label for="caption-k">Captions to show</label>
          <input id="caption-k" type="number" min="1" max="243" value="5" inputmode="numeric">
        </div>
      </div>
      <div>
        <div class="uploaded">
          <img id="upload-preview" alt="The image that was searched with">
          <div id="upload-info" class="hint"></div>
        </div>
        <h3>Ranked captions</h3>
        <ol id="captions" class="captions" aria-live="polite" aria-label="Ranked captions"><li class="empty">Drop, choose or draw an image.</li></ol>
        <h3>Classified as</h3>
        <div id="classification" aria-live="polite" aria-label="Classified colour, shape and position"><p class="empty">–</p></div>
      </div>
    </div>
  </section>

  <section id="inside" class="wide" aria-labelledby="inside-title">
    <h2 id="inside-title">Look inside</h2>
    <div class="split">
      <div>
        <h3>Model</h3>
        <dl id="model-info" class="facts"><dt>model</dt><dd>loading…</dd></dl>
        <h3>Training</h3>
        <div id="training-plot" role="img" aria-label="Training loss and validation R@1 per epoch"></div>
        <div class="plot-legend" aria-hidden="true">
          <span><i class="key" style="background:#7aa2ff"></i>loss</span>
          <span><i class="key" style="background:#f0b35a"></i>val R@1 image→text</span>
          <span><i class="key" style="background:#57d38c"></i>val R@1 text→image</span>
        </div>
      </div>
      <div>
        <h3>Evaluation (live)</h3>
        <div class="table-wrap"><table id="metrics" aria-label="Retrieval metrics">
          <thead><tr><th scope="col">set</th><th scope="col">i→t R@1</th><th scope="col">R@5</th><th scope="col" title="mean rank">mean</th>
          <th scope="col">t→i R@1</th><th scope="col">R@5</th><th scope="col" title="mean rank">mean</th></tr></thead>
          <tbody><tr><td colspan="7">loading…</td></tr></tbody>
        </table></div>
        <p class="hint">i→t: image → text, t→i: text → image; mean: mean rank of the right answer (1 is perfect).</p>
      </div>
    </div>
    <h3>The joint space</h3>
    <div class="row">
      <button type="button" id="map-space">Map the 243 images and captions</button>
      <span id="space-status" aria-live="polite"></span>
    </div>
    <div class="maps" style="margin-top:10px">
      <figure style="margin:0">
        <canvas id="pca" width="520" height="520" role="img"
                aria-label="PCA projection of the image and caption embeddings"></canvas>
        <figcaption class="hint">PCA of all 486 embeddings: ● image, ◇ caption, each pair joined by a line; colour is the shape's colour.</figcaption>
      </figure>
      <figure style="margin:0">
        <canvas id="heatmap" width="243" height="243" role="img"
                aria-label="243 by 243 cosine similarity of images (rows) and captions (columns)"></canvas>
        <figcaption class="hint">Cosine similarity, image <i>i</i> (row) × caption <i>j</i> (column), ids in order. Hover to read a cell.</figcaption>
        <div id="heatmap-info" aria-live="polite"></div>
      </figure>
    </div>
  </section>
</main>
<footer><a href="/openapi.json">OpenAPI document</a> · <a href="/metrics">metrics</a> · <a href="/v1/images">gallery JSON</a></footer>

<script>
'use strict';
(function () {
  var COLOURS = [['red', '#FF0000'], ['green', '#008000'], ['blue', '#0000FF'], ['yellow', '#FFFF00'],
    ['pink', '#FFC0CB'], ['brown', '#A52A2A'], ['orange', '#FFA500'], ['purple', '#800080'], ['gray', '#808080']];
  var HEX = {};
  COLOURS.forEach(function (c) { HEX[c[0]] = c[1]; });
  var POSITIONS = ['top-left', 'top', 'top-right', 'left', 'centre', 'right', 'bottom-left', 'bottom', 'bottom-right'];
  var $ = function (id) { return document.getElementById(id); };

  // ---- errors -------------------------------------------------------------------------
  function ApiError(message, status) { this.message = message; this.status = status; }
  function showError(err) {
    var text = err && err.message ? err.message : String(err);
    $('error-message').textContent = text;
    $('error').classList.add('show');
  }
  function clearError() { $('error').classList.remove('show'); $('error-message').textContent = ''; }
  $('error-close').addEventListener('click', clearError);

  // Awaits a fetch and returns its JSON; an API error becomes an ApiError carrying
  // the server's own sentence, a network failure a sentence saying so.
  async function json(request) {
    var response;
    try { response = await request; }
    catch (e) { throw new ApiError('Could not reach the server (' + (e && e.message || e) + ').', 0); }
    var text = await response.text();
    var body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!response.ok) {
      var message = body && body.error && body.error.message
        ? body.error.message
        : 'The server answered ' + response.status + (response.statusText ? ' ' + response.statusText : '') + '.';
      throw new ApiError(message, response.status);
    }
    if (body === null) throw new ApiError('The server sent a response that is not JSON.', response.status);
    return body;
  }

  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (key) {
      if (key === 'text') el.textContent = attrs[key];
      else if (key === 'class') el.className = attrs[key];
      else el.setAttribute(key, attrs[key]);
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) el.appendChild(arguments[i]);
    return el;
  }
  function fmt(x, digits) { return typeof x === 'number' && isFinite(x) ? x.toFixed(digits) : '–'; }
  function pct(x) {
    if (typeof x !== 'number' || !isFinite(x)) return '–';
    if (x >= 0.9995) return '100%';
    return (x * 100).toFixed(x >= 0.995 || x < 0.1 ? 1 : 0) + '%';
  }
  function clampK(input) {
    var k = parseInt(input.value, 10);
    if (!isFinite(k)) k = 5;
    return Math.max(1, Math.min(243, k));
  }
  function barRow(word, value, scale, cls, valueText) {
    var width = scale > 0 ? Math.min(100, Math.abs(value) / scale * 100) : 0;
    var fill = h('div', { class: 'fill' + (cls ? ' ' + cls : ''), style: 'width:' + width.toFixed(1) + '%' });
    return h('div', { class: 'bar-row' },
      h('span', { class: 'w', text: word, title: word }),
      h('div', { class: 'track', role: 'presentation' }, fill),
      h('span', { class: 'v', text: valueText }));
  }

  // ---- text → image -------------------------------------------------------------------
  var searchSeq = 0, debounceTimer = 0;
  function scheduleSearch(delay) {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(runSearch, delay);
  }
  async function runSearch() {
    clearTimeout(debounceTimer);
    var q = $('query').value.trim();
    var seq = ++searchSeq;
    var results = $('results');
    if (!q) { results.replaceChildren(); results.removeAttribute('aria-busy'); return; }
    var params = new URLSearchParams({ q: q, k: String(clampK($('k'))) });
    if ($('explain').checked) params.set('explain', 'true');
    results.setAttribute('aria-busy', 'true');
    try {
      var body = await json(fetch('/v1/search/images?' + params.toString()));
      if (seq !== searchSeq) return;
      clearError();
      renderResults(body.results || []);
    } catch (err) {
      if (seq !== searchSeq) return;
      results.replaceChildren(h('p', { class: 'empty', text: 'No results.' }));
      showError(err);
    } finally {
      if (seq === searchSeq) results.removeAttribute('aria-busy');
    }
  }
  function renderResults(list) {
    var results = $('results');
    if (!list.length) { results.replaceChildren(h('p', { class: 'empty', text: 'No results.' })); return; }
    results.replaceChildren.apply(results, list.map(function (r) {
      var fig = h('figure', { class: 'result', 'data-id': String(r.id) },
        h('img', { src: r.image_url, alt: r.caption, width: '96', height: '96', loading: 'lazy' }),
        h('figcaption', null,
          h('div', null, h('span', { class: 'rank', text: '#' + r.rank }), h('span', { class: 'caption', text: r.caption })),
          h('div', { class: 'nums' },
            h('span', { class: 'score', title: 'cosine similarity', text: 'score ' + fmt(r.score, 3) }),
            h('span', { class: 'probability', title: 'softmax probability', text: 'p ' + pct(r.probability) }))));
      if (r.explanation) fig.appendChild(renderExplanation(r.explanation));
      return fig;
    }));
  }
  function renderExplanation(ex) {
    var words = ex.words || [];
    var scale = Math.abs(ex.bias || 0);
    words.forEach(function (w) { scale = Math.max(scale, Math.abs(w.contribution)); });
    var box = h('div', { class: 'explanation', 'aria-label': 'Per-word contributions to the score' });
    words.forEach(function (w) {
      box.appendChild(barRow(w.word, w.contribution, scale, w.contribution < 0 ? 'neg' : '',
        (w.contribution >= 0 ? '+' : '') + fmt(w.contribution, 3)));
    });
    box.appendChild(barRow('bias', ex.bias || 0, scale, 'bias', ((ex.bias || 0) >= 0 ? '+' : '') + fmt(ex.bias, 3)));
    return box;
  }
  $('search-form').addEventListener('submit', function (e) { e.preventDefault(); runSearch(); });
  $('query').addEventListener('input', function () { scheduleSearch(220); });
  $('query').addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); runSearch(); } });
  $('k').addEventListener('change', function () { scheduleSearch(0); });
  $('k').addEventListener('input', function () { scheduleSearch(300); });
  $('explain').addEventListener('change', function () { scheduleSearch(0); });

  // ---- image → text -------------------------------------------------------------------
  var previewUrl = null;
  async function searchWithImage(blob, label) {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(blob);
    var preview = $('upload-preview');
    preview.src = previewUrl;
    preview.classList.add('show');
    $('upload-info').textContent = label + ' · ' + blob.size + ' bytes';
    preview.onload = function () {
      $('upload-info').textContent = label + ' · ' + preview.naturalWidth + '×' + preview.naturalHeight + ' · ' + blob.size + ' bytes';
    };
    preview.onerror = function () { preview.classList.remove('show'); };
    var type = blob.type || 'image/png';
    var k = clampK($('caption-k'));
    $('captions').setAttribute('aria-busy', 'true');
    try {
      var answers = await Promise.all([
        json(fetch('/v1/search/captions?k=' + k, { method: 'POST', headers: { 'Content-Type': type }, body: blob })),
        json(fetch('/v1/classify', { method: 'POST', headers: { 'Content-Type': type }, body: blob }))
      ]);
      clearError();
      renderCaptions(answers[0].results || []);
      renderClassification(answers[1]);
    } catch (err) {
      $('captions').replaceChildren();
      $('classification').replaceChildren();
      showError(err);
    } finally {
      $('captions').removeAttribute('aria-busy');
    }
  }
  function renderCaptions(list) {
    var ol = $('captions');
    ol.replaceChildren.apply(ol, list.map(function (r) {
      return h('li', { class: 'caption-result' },
        h('span', { class: 'rank', text: '#' + r.rank }),
        r.image_url ? h('img', { src: r.image_url, alt: '', width: '32', height: '32' }) : h('span'),
        h('span', { class: 'caption', text: r.caption }),
        h('span', { class: 'nums' },
          h('span', { class: 'score', text: fmt(r.score, 3) }),
          h('span', { class: 'probability', text: pct(r.probability) })));
    }));
  }
  function renderClassification(body) {
    var box = $('classification');
    box.replaceChildren.apply(box, ['colour', 'shape', 'position'].map(function (attr) {
      var a = body[attr] || {};
      var probs = a.probabilities || {};
      var words = Object.keys(probs).sort(function (x, y) { return probs[y] - probs[x]; });
      var block = h('div', { class: 'attr', id: 'class-' + attr },
        h('div', { class: 'head' },
          h('span', null, h('span', { class: 'hint', text: attr + ' ' }), h('span', { class: 'label', text: a.label || '–' })),
          h('span', { class: 'probability', text: pct(a.probability) })));
      words.forEach(function (w) {
        var row = barRow(w, probs[w], 1, '', pct(probs[w]));
        if (attr === 'colour' && HEX[w]) row.querySelector('.fill').style.background = HEX[w];
        block.appendChild(row);
      });
      return block;
    }));
  }
  function takeFile(file) {
    if (!file) return;
    searchWithImage(file, file.name || 'upload');
  }
  $('file').addEventListener('change', function () { takeFile(this.files && this.files[0]); });
  var drop = $('drop');
  drop.addEventListener('click', function (e) { if (e.target === drop) $('file').click(); });
  ['dragenter', 'dragover'].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add('over'); });
  });
  ['dragleave', 'drop'].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.remove('over'); });
  });
  drop.addEventListener('drop', function (e) { takeFile(e.dataTransfer && e.dataTransfer.files[0]); });
  // A PNG dropped anywhere else on the page is searched too, rather than opened by the browser.
  window.addEventListener('dragover', function (e) { e.preventDefault(); });
  window.addEventListener('drop', function (e) {
    e.preventDefault();
    if (!drop.contains(e.target)) takeFile(e.dataTransfer && e.dataTransfer.files[0]);
  });

  // The sketch pad: a 32×32 canvas on which a shape of the dataset's canonical size
  // (an 8-px box centred on a 3×3 grid cell) is stamped, then sent as a PNG.
  var draw = $('draw'), pen = draw.getContext('2d');
  var colours = $('colours');
  COLOURS.forEach(function (c, i) {
    var input = h('input', { type: 'radio', name: 'colour', id: 'colour-' + c[0], value: c[0], 'aria-label': c[0] });
    if (i === 4) input.checked = true;
    colours.appendChild(h('label', { class: 'swatch', title: c[0], for: 'colour-' + c[0] }, input,
      h('span', { style: 'background:' + c[1], 'aria-hidden': 'true' })));
  });
  POSITIONS.forEach(function (p) { $('position').appendChild(h('option', { value: p, text: p })); });
  $('position').value = 'centre';
  function clearDrawing() { pen.fillStyle = '#000'; pen.fillRect(0, 0, 32, 32); }
  function stamp(shape, colour, cell) {
    var col = cell % 3, row = Math.floor(cell / 3);
    var cx = 2 + (col + 0.5) * 28 / 3, cy = 2 + (row + 0.5) * 28 / 3;
    var x0 = Math.round(cx - 4), y0 = Math.round(cy - 4);
    clearDrawing();
    pen.fillStyle = HEX[colour];
    for (var y = 0; y < 8; y++) for (var x = 0; x < 8; x++) {
      var px = x + 0.5, py = y + 0.5, inside;
      if (shape === 'circle') inside = (px - 4) * (px - 4) + (py - 4) * (py - 4) <= 16;
      else if (shape === 'triangle') inside = Math.abs(px - 4) <= py / 2;
      else inside = true;
      if (inside) pen.fillRect(x0 + x, y0 + y, 1, 1);
    }
  }
  function currentColour() {
    var checked = colours.querySelector('input:checked');
    return checked ? checked.value : 'pink';
  }
  function submitDrawing() {
    draw.toBlob(function (blob) {
      if (blob) searchWithImage(blob, 'drawing: ' + currentColour() + ' ' + $('shape').value + ' ' + $('position').value);
      else showError({ message: 'The browser could not export the drawing as PNG.' });
    }, 'image/png');
  }
  function stampAndSearch() {
    stamp($('shape').value, currentColour(), POSITIONS.indexOf($('position').value));
    submitDrawing();
  }
  draw.addEventListener('click', function (e) {
    var rect = draw.getBoundingClientRect();
    var x = (e.clientX - rect.left) / rect.width * 32, y = (e.clientY - rect.top) / rect.height * 32;
    var cell = function (v) { return Math.max(0, Math.min(2, Math.floor((v - 2) / (28 / 3)))); };
    $('position').value = POSITIONS[cell(y) * 3 + cell(x)];
    stampAndSearch();
  });
  draw.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); stampAndSearch(); }
  });
  $('stamp').addEventListener('click', stampAndSearch);
  $('clear-drawing').addEventListener('click', clearDrawing);
  $('submit-drawing').addEventListener('click', submitDrawing);
  clearDrawing();

  // ---- look inside --------------------------------------------------------------------
  function fact(dl, name, value) {
    dl.appendChild(h('dt', { text: name }));
    dl.appendChild(h('dd', { text: value === undefined || value === null ? '–' : String(value) }));
  }
  function renderModel(m) {
    var dl = $('model-info');
    dl.replaceChildren();
    var arch = m.architecture || {}, w = m.weights || {}, t = m.training || {}, b = m.blas || {};
    fact(dl, 'encoders', (arch.image_encoder || '?') + ' image · ' + (arch.text_encoder || '?') + ' text');
    fact(dl, 'parameters', typeof arch.parameters === 'number' ? arch.parameters.toLocaleString('en') : arch.parameters);
    fact(dl, 'embedding dim', arch.embedding_dim);
    // τ is stored as a 32-bit float: show it as written (0.07), not as 0.0700000006…
    fact(dl, 'temperature τ', typeof m.temperature === 'number' ? Number(m.temperature.toPrecision(6)) : m.temperature);
    fact(dl, 'seed', m.seed);
    fact(dl, 'weights', w.source + (w.path ? ' (' + w.path + ')' : ''));
    fact(dl, 'sha-256', w.sha256);
    fact(dl, 'training', (t.epochs !== undefined ? t.epochs + ' epochs' : '–') +
      (typeof t.seconds === 'number' ? ', ' + t.seconds.toFixed(1) + ' s' : '') +
      (typeof t.final_loss === 'number' ? ', final loss ' + t.final_loss.toFixed(4) : ''));
    fact(dl, 'BLAS', (b.core || '–') + (b.threads ? ', ' + b.threads + ' threads' : ''));
    fact(dl, 'version', m.version);
    renderTrainingPlot(t.history || []);
  }
  function renderTrainingPlot(history) {
    var box = $('training-plot');
    if (!history.length) { box.replaceChildren(h('p', { class: 'empty', text: 'No training history recorded.' })); return; }
    var W = 560, H = 220, L = 44, R = 40, T = 10, B = 28;
    var epochs = history.map(function (e) { return e.epoch; });
    var e0 = Math.min.apply(null, epochs), e1 = Math.max.apply(null, epochs);
    var losses = history.map(function (e) { return e.loss; }).filter(isFinite);
    var lossMax = Math.max.apply(null, losses.concat([1e-9])) * 1.05;
    var X = function (e) { return L + (e1 > e0 ? (e - e0) / (e1 - e0) : 0.5) * (W - L - R); };
    var Yl = function (v) { return T + (1 - v / lossMax) * (H - T - B); };
    var Yr = function (v) { return T + (1 - v) * (H - T - B); };
    function line(key, Y, colour) {
      var pts = history.filter(function (e) { return typeof e[key] === 'number' && isFinite(e[key]); })
        .map(function (e) { return X(e.epoch).toFixed(1) + ',' + Y(e[key]).toFixed(1); });
      if (!pts.length) return '';
      return '<polyline fill="none" stroke="' + colour + '" stroke-width="2" stroke-linejoin="round" points="' + pts.join(' ') + '"/>' +
        (pts.length === 1 ? '<circle r="3" fill="' + colour + '" cx="' + pts[0].split(',')[0] + '" cy="' + pts[0].split(',')[1] + '"/>' : '');
    }
    var svg = '<svg viewBox="0 0 ' + W + ' ' + H + '" role="presentation">';
    for (var i = 0; i <= 4; i++) {
      var y = T + i / 4 * (H - T - B);
      svg += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y + '" y2="' + y + '" stroke="#2a3342"/>' +
        '<text x="' + (L - 6) + '" y="' + (y + 4) + '" fill="#7aa2ff" font-size="11" text-anchor="end">' + (lossMax * (1 - i / 4)).toFixed(2) + '</text>' +
        '<text x="' + (W - R + 6) + '" y="' + (y + 4) + '" fill="#98a2b3" font-size="11">' + (1 - i / 4).toFixed(2) + '</text>';
    }
    var ticks = Math.min(6, e1 - e0 + 1);
    for (var j = 0; j < ticks; j++) {
      var e = Math.round(e0 + (ticks > 1 ? j / (ticks - 1) : 0) * (e1 - e0));
      svg += '<text x="' + X(e) + '" y="' + (H - 8) + '" fill="#98a2b3" font-size="11" text-anchor="middle">' + e + '</text>';
    }
    svg += '<text x="' + (L - 6) + '" y="' + (H - 8) + '" fill="#98a2b3" font-size="10" text-anchor="end">epoch</text>';
    svg += line('loss', Yl, '#7aa2ff') + line('val_r1_image_to_text', Yr, '#f0b35a') + line('val_r1_text_to_image', Yr, '#57d38c');
    box.innerHTML = svg + '</svg>';
  }
  function renderMetrics(ev) {
    var rows = [];
    var v = ev.validation || {}, r = ev.robustness || {}, by = r.by_perturbation || {};
    rows.push(['validation, among its own', v.among_validation]);
    rows.push(['validation, among 243', v.among_all]);
    rows.push(['robustness, among 243', r.among_all]);
    Object.keys(by).forEach(function (name) { rows.push(['\u21b3 ' + name, by[name]]); });
    var tbody = $('metrics').tBodies[0];
    tbody.replaceChildren.apply(tbody, rows.map(function (row) {
      var d = row[1] || {}, it = d.image_to_text || {}, ti = d.text_to_image || {};
      var tr = h('tr', null, h('th', { scope: 'row', text: row[0] }));
      [pct(it.r1), pct(it.r5), fmt(it.mean_rank, 2), pct(ti.r1), pct(ti.r5), fmt(ti.mean_rank, 2)]
        .forEach(function (text) { tr.appendChild(h('td', { text: text })); });
      return tr;
    }));
  }
  async function loadModel() {
    try { renderModel(await json(fetch('/v1/model'))); }
    catch (err) { $('model-info').replaceChildren(h('dt', { text: 'model' }), h('dd', { text: err.message })); }
  }
  async function loadEval() {
    var tbody = $('metrics').tBodies[0];
    tbody.replaceChildren(h('tr', null, h('td', { colspan: '7', text: 'computing…' })));
    try { renderMetrics(await json(fetch('/v1/eval'))); }
    catch (err) { tbody.replaceChildren(h('tr', null, h('td', { colspan: '7', text: err.message }))); }
  }

  // The joint space: every image's and caption's embedding, projected on the two
  // leading principal components (power iteration with deflation on the D×D covariance).
  var spaceLoading = false, space = null;
  async function embedImages(gallery, progress) {
    var out = new Array(gallery.length), next = 0, done = 0;
    async function worker() {
      while (next < gallery.length) {
        var i = next++;
        var response = await fetch(`/v1/images/${gallery[i].id}.png`);
        if (!response.ok) throw new ApiError('Could not fetch image ' + gallery[i].id + ' (' + response.status + ').', response.status);
        var png = await response.blob();
        var body = await json(fetch('/v1/embed/image', { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png }));
        out[i] = body.embedding;
        progress(++done);
      }
    }
    var workers = [];
    for (var w = 0; w < 6; w++) workers.push(worker());
    await Promise.all(workers);
    return out;
  }
  async function mapSpace() {
    if (spaceLoading) return;
    spaceLoading = true;
    $('map-space').disabled = true;
    var status = $('space-status');
    try {
      status.textContent = 'fetching the gallery…';
      var gallery = await json(fetch('/v1/images'));
      status.textContent = 'embedding 243 captions…';
      var texts = await json(fetch('/v1/embed/text', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ texts: gallery.map(function (g) { return g.caption; }) }) }));
      var images = await embedImages(gallery, function (n) { status.textContent = 'embedding images… ' + n + ' / ' + gallery.length; });
      space = { gallery: gallery, images: images, captions: texts.embeddings };
      drawPCA(space);
      drawHeatmap(space);
      status.textContent = gallery.length + ' images and captions in ' + texts.dim + ' dimensions.';
    } catch (err) {
      status.textContent = 'Could not map the space: ' + err.message;
    } finally {
      spaceLoading = false;
      $('map-space').disabled = false;
    }
  }
  function principalAxes(rows, count) {
    var D = rows[0].length, n = rows.length, mean = new Float64Array(D);
    rows.forEach(function (r) { for (var d = 0; d < D; d++) mean[d] += r[d] / n; });
    var C = [];
    for (var a = 0; a < D; a++) C.push(new Float64Array(D));
    rows.forEach(function (r) {
      for (var a = 0; a < D; a++) { var ra = r[a] - mean[a]; for (var b = 0; b < D; b++) C[a][b] += ra * (r[b] - mean[b]); }
    });
    var axes = [], total = 0;
    for (var t = 0; t < D; t++) total += C[t][t];
    for (var k = 0; k < count; k++) {
      var v = new Float64Array(D), lambda = 0;
      for (var i = 0; i < D; i++) v[i] = 1 + ((i * 7 + k * 3) % 5) / 10;
      for (var it = 0; it < 300; it++) {
        var u = new Float64Array(D), norm = 0;
        for (var p = 0; p < D; p++) { for (var q = 0; q < D; q++) u[p] += C[p][q] * v[q]; norm += u[p] * u[p]; }
        norm = Math.sqrt(norm) || 1;
        for (var s = 0; s < D; s++) v[s] = u[s] / norm;
        lambda = norm;
      }
      for (var x = 0; x < D; x++) for (var y = 0; y < D; y++) C[x][y] -= lambda * v[x] * v[y];
      axes.push({ vector: v, share: total > 0 ? lambda / total : 0 });
    }
    return { mean: mean, axes: axes };
  }
  function drawPCA(s) {
    var all = s.images.concat(s.captions);
    var pca = principalAxes(all, 2);
    var project = function (r) {
      return pca.axes.map(function (axis) {
        var sum = 0;
        for (var d = 0; d < r.length; d++) sum += (r[d] - pca.mean[d]) * axis.vector[d];
        return sum;
      });
    };
    var points = all.map(project);
    var xs = points.map(function (p) { return p[0]; }), ys = points.map(function (p) { return p[1]; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var canvas = $('pca'), ratio = window.devicePixelRatio || 1;
    var size = Math.max(260, Math.round(canvas.getBoundingClientRect().width || 520));
    canvas.width = size * ratio; canvas.height = size * ratio;
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.fillStyle = '#0a0d12'; g.fillRect(0, 0, size, size);
    var pad = 18, span = Math.max(maxX - minX, maxY - minY) || 1;
    var px = function (p) { return pad + (p[0] - minX + (span - (maxX - minX)) / 2) / span * (size - 2 * pad); };
    var py = function (p) { return size - pad - (p[1] - minY + (span - (maxY - minY)) / 2) / span * (size - 2 * pad); };
    var n = s.images.length;
    g.lineWidth = 1;
    g.strokeStyle = 'rgba(255,255,255,0.16)';
    g.beginPath();
    for (var i = 0; i < n; i++) { g.moveTo(px(points[i]), py(points[i])); g.lineTo(px(points[n + i]), py(points[n + i])); }
    g.stroke();
    for (var j = 0; j < n; j++) {
      var colour = HEX[s.gallery[j].colour] || '#fff';
      g.fillStyle = colour;
      g.beginPath(); g.arc(px(points[j]), py(points[j]), 3.2, 0, Math.PI * 2); g.fill();
      var cx = px(points[n + j]), cy = py(points[n + j]);
      g.strokeStyle = colour; g.lineWidth = 1.4;
      g.beginPath(); g.moveTo(cx, cy - 4); g.lineTo(cx + 4, cy); g.lineTo(cx, cy + 4); g.lineTo(cx - 4, cy); g.closePath(); g.stroke();
    }
    g.fillStyle = '#98a2b3'; g.font = '11px system-ui, sans-serif';
    g.fillText('PC1 ' + (pca.axes[0].share * 100).toFixed(0) + '% · PC2 ' + (pca.axes[1].share * 100).toFixed(0) + '% of variance', 8, 14);
  }
  function heatColour(t) {
    var stops = [[10, 12, 40], [70, 30, 120], [190, 55, 90], [250, 150, 60], [252, 245, 190]];
    t = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    var i = Math.min(stops.length - 2, Math.floor(t)), f = t - i;
    return stops[i].map(function (c, k) { return Math.round(c + (stops[i + 1][k] - c) * f); });
  }
  function drawHeatmap(s) {
    var n = s.images.length, sims = new Float32Array(n * n), lo = Infinity, hi = -Infinity;
    for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) {
      var a = s.images[i], b = s.captions[j], dot = 0;
      for (var d = 0; d < a.length; d++) dot += a[d] * b[d];
      sims[i * n + j] = dot;
      if (dot < lo) lo = dot;
      if (dot > hi) hi = dot;
    }
    var canvas = $('heatmap');
    canvas.width = n; canvas.height = n;
    var g = canvas.getContext('2d'), img = g.createImageData(n, n);
    for (var k = 0; k < n * n; k++) {
      var c = heatColour(hi > lo ? (sims[k] - lo) / (hi - lo) : 0.5);
      img.data[4 * k] = c[0]; img.data[4 * k + 1] = c[1]; img.data[4 * k + 2] = c[2]; img.data[4 * k + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    s.sims = sims;
    $('heatmap-info').textContent = 'range ' + lo.toFixed(3) + ' … ' + hi.toFixed(3);
  }
  $('heatmap').addEventListener('mousemove', function (e) {
    if (!space || !space.sims) return;
    var rect = this.getBoundingClientRect(), n = space.gallery.length;
    var j = Math.floor((e.clientX - rect.left) / rect.width * n), i = Math.floor((e.clientY - rect.top) / rect.height * n);
    if (i < 0 || j < 0 || i >= n || j >= n) return;
    $('heatmap-info').textContent = 'image ' + i + ' (' + space.gallery[i].caption + ') × caption “' +
      space.gallery[j].caption + '”: ' + space.sims[i * n + j].toFixed(3);
  });
  $('map-space').addEventListener('click', mapSpace);

  // ---- readiness ----------------------------------------------------------------------
  var insideLoaded = false;
  function loadInside() {
    if (insideLoaded) return;
    insideLoaded = true;
    loadModel();
    loadEval();
    if ('IntersectionObserver' in window) {
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (en) { return en.isIntersecting; })) { seen.disconnect(); if (!space) mapSpace(); }
      });
      seen.observe($('pca'));
    }
  }
  // `/readyz?verbose` answers {"status": "ready" | "not_ready" | "failed", "stage": ...,
  // "checks": [{"name", "state", "detail"?, "epoch"?, "epochs"?}]}: 200 once ready, else 503.
  var STAGES = { starting: 'starting', loading: 'loading the weights', training: 'training',
    embedding: 'embedding the gallery', self_test: 'self-testing', failed: 'start-up failed' };
  function warmingUp(body) {
    if (!body || !body.stage) return 'warming up…';
    var text = STAGES[body.stage] || body.stage.replace(/_/g, ' ');
    (body.checks || []).forEach(function (c) {
      if (typeof c.epoch === 'number' && typeof c.epochs === 'number') text += ', epoch ' + c.epoch + ' of ' + c.epochs;
    });
    return body.status === 'failed' ? text : text + '…';
  }
  async function checkReady() {
    var pill = $('status');
    try {
      var response = await fetch('/readyz?verbose');
      if (response.ok) {
        pill.textContent = 'ready'; pill.className = 'ready';
        loadInside();
        return;
      }
      var body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      pill.textContent = warmingUp(body); pill.className = 'waiting';
    } catch (e) {
      pill.textContent = 'offline'; pill.className = 'waiting';
    }
    setTimeout(checkReady, 2000);
  }
  checkReady();
  if ($('query').value.trim()) runSearch();
})();
</script>
</body>
</html>
"""#
}
