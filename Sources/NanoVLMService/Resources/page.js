'use strict';
(function () {
  var COLOURS = [['red', '#FF0000'], ['green', '#008000'], ['blue', '#0000FF'], ['yellow', '#FFFF00'],
    ['pink', '#FFC0CB'], ['brown', '#A52A2A'], ['orange', '#FFA500'], ['purple', '#800080'], ['gray', '#808080']];
  var HEX = {};
  COLOURS.forEach(function (c) { HEX[c[0]] = c[1]; });
  var POSITIONS = ['top-left', 'top', 'top-right', 'left', 'centre', 'right', 'bottom-left', 'bottom', 'bottom-right'];
  var $ = function (id) { return document.getElementById(id); };

  // What is served, from /v1/model once the model is ready: until then the shapes set's
  // figures, which the markup starts with.
  var served = { source: 'shapes', images: 243, captions: 243, attributes: true, decoder: true };
  // Most results a search returns, and most items the joint-space map shows at once.
  var MAX_RESULTS = 1000, MAP_SAMPLE = 243;

  // ---- errors -------------------------------------------------------------------------
  function ApiError(message, status, code) { this.message = message; this.status = status; this.code = code; }
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
      throw new ApiError(message, response.status, body && body.error && body.error.code);
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
    return Math.max(1, Math.min(parseInt(input.max, 10) || 1, k));
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
    if (!q) { results.replaceChildren(); results.removeAttribute('aria-busy'); renderUnknownWords(null); return; }
    var params = new URLSearchParams({ q: q, k: String(clampK($('k'))) });
    if ($('explain').checked) params.set('explain', 'true');
    results.setAttribute('aria-busy', 'true');
    try {
      var body = await json(fetch('/v1/search/images?' + params.toString()));
      if (seq !== searchSeq) return;
      clearError();
      renderUnknownWords(body.unknown_words);
      renderResults(body.results || []);
    } catch (err) {
      if (seq !== searchSeq) return;
      renderUnknownWords(null);
      results.replaceChildren(h('p', { class: 'empty', text: 'No results.' }));
      showError(err);
    } finally {
      if (seq === searchSeq) results.removeAttribute('aria-busy');
    }
  }
  // A dataset read from files ignores the words its vocabulary lacks and lists them.
  function renderUnknownWords(words) {
    var line = $('unknown-words');
    line.hidden = !(words && words.length);
    line.textContent = line.hidden ? '' : 'Not in the vocabulary, so ignored: ' + words.join(', ');
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
    var classify = served.attributes
      ? json(fetch('/v1/classify', { method: 'POST', headers: { 'Content-Type': type }, body: blob })).catch(function (err) {
        // A dataset without attributes has nothing to classify: hide the panel, not an error.
        if (err.code === 'no_attributes') { showAttributes(false); return null; }
        throw err;
      })
      : Promise.resolve(null);
    var written = served.decoder
      ? json(fetch('/v1/caption?beam=3&n=3', { method: 'POST', headers: { 'Content-Type': type }, body: blob })).catch(function (err) {
        // Weights without a decoder write nothing: hide the panel, not an error.
        if (err.code === 'no_decoder') { showDecoder(false); return null; }
        throw err;
      })
      : Promise.resolve(null);
    try {
      var answers = await Promise.all([
        json(fetch('/v1/search/captions?k=' + k, { method: 'POST', headers: { 'Content-Type': type }, body: blob })),
        classify,
        written
      ]);
      clearError();
      renderCaptions(answers[0].results || []);
      if (answers[1]) renderClassification(answers[1]);
      if (answers[2]) renderWritten(answers[2]);
    } catch (err) {
      $('captions').replaceChildren();
      $('classification').replaceChildren();
      $('written').replaceChildren();
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
  // The decoder's captions, best first, each with its probability (exp of the log-probability).
  function renderWritten(body) {
    var ol = $('written');
    ol.replaceChildren.apply(ol, (body.alternatives || []).map(function (a, i) {
      return h('li', { class: 'caption-result written-caption' },
        h('span', { class: 'rank', text: '#' + (i + 1) }),
        h('span'),
        h('span', { class: 'caption', text: a.caption }),
        h('span', { class: 'nums' },
          h('span', { class: 'score', text: fmt(a.log_probability, 2), title: 'log-probability' }),
          h('span', { class: 'probability', text: pct(Math.exp(a.log_probability)) })));
    }));
  }
  function showDecoder(shown) {
    served.decoder = shown;
    $('written-panel').hidden = !shown;
  }
  function renderClassification(body) {
    var box = $('classification');
    if (body.objects) return renderScene(box, body);
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
  // A scene read back: its two objects with their cells, then the best captions.
  function renderScene(box, body) {
    var named = body.objects.map(function (o) { return o.colour + ' ' + o.shape + ' (' + o.cell + ')'; });
    var block = h('div', { class: 'attr', id: 'class-scene' },
      h('div', { class: 'head' },
        h('span', null, h('span', { class: 'hint', text: 'objects ' }), h('span', { class: 'label', text: named.join(' · ') })),
        h('span', { class: 'probability', text: body.relation })));
    (body.candidates || []).forEach(function (c) { block.appendChild(barRow(c.caption, c.probability, 1, '', pct(c.probability))); });
    box.replaceChildren(block);
  }
  // Classification and the sketch pad (which stamps shapes) belong to the generated sets.
  function showAttributes(shown) {
    served.attributes = shown;
    $('classify-panel').hidden = !shown;
    $('sketch-panel').hidden = !shown;
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
  // An image dropped anywhere else on the page is searched too, rather than opened by the browser.
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
  // The scenes set takes two objects: each stamp joins the previous one (a third replaces
  // the older), and stamping a taken cell moves nothing but that cell's shape.
  var stamped = [];
  function clearDrawing() { stamped = []; pen.fillStyle = '#000'; pen.fillRect(0, 0, 32, 32); }
  function stamp(shape, colour, cell) {
    if (served.source !== 'scenes') return paint(shape, colour, cell, true);
    stamped = stamped.filter(function (s) { return s.cell !== cell; }).concat([{ shape: shape, colour: colour, cell: cell }]).slice(-2);
    pen.fillStyle = '#000';
    pen.fillRect(0, 0, 32, 32);
    stamped.forEach(function (s) { paint(s.shape, s.colour, s.cell, false); });
  }
  function paint(shape, colour, cell, alone) {
    var col = cell % 3, row = Math.floor(cell / 3);
    var cx = 2 + (col + 0.5) * 28 / 3, cy = 2 + (row + 0.5) * 28 / 3;
    var x0 = Math.round(cx - 4), y0 = Math.round(cy - 4);
    if (alone) clearDrawing();
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
      var what = served.source === 'scenes'
        ? stamped.map(function (o) { return o.colour + ' ' + o.shape + ' ' + POSITIONS[o.cell]; }).join(' + ')
        : currentColour() + ' ' + $('shape').value + ' ' + $('position').value;
      if (blob) searchWithImage(blob, 'drawing: ' + what);
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
  // Sizes the page from the served dataset: k bounds, the summary line, the panels that
  // only the shapes set has.
  function applyDataset(d) {
    served.source = d.source;
    served.images = d.images;
    served.captions = d.captions;
    $('k').max = String(Math.max(1, Math.min(MAX_RESULTS, d.images)));
    $('caption-k').max = String(Math.max(1, Math.min(MAX_RESULTS, d.captions)));
    showAttributes(d.source === 'shapes' || d.source === 'scenes');
    $('sketch-panel').querySelector('h3').textContent = d.source === 'scenes' ? '…or draw two' : '…or draw one';
    document.body.classList.toggle('photos', d.source !== 'shapes');
    $('dataset-summary').textContent = 'Serving ' + d.source + ': ' + d.images.toLocaleString('en') + ' images, ' +
      d.captions.toLocaleString('en') + ' captions, ' + d.vocabulary.toLocaleString('en') + ' words' +
      (d.skipped ? ' (' + d.skipped + ' skipped when loading)' : '') + '.';
    $('pca-caption').textContent = 'PCA of the image and caption embeddings: ● image, ◇ its first caption, each pair ' +
      'joined by a line; ' + (d.source === 'shapes' ? 'colour is the shape\'s colour.' : 'colour follows the id order.');
    var sample = Math.min(d.images, MAP_SAMPLE);
    $('map-space').textContent = sample < d.images
      ? 'Map a sample of ' + sample + ' of the ' + d.images.toLocaleString('en') + ' images and their captions'
      : 'Map the ' + d.images + ' images and captions';
  }
  function renderModel(m) {
    var dl = $('model-info');
    dl.replaceChildren();
    var arch = m.architecture || {}, w = m.weights || {}, t = m.training || {}, b = m.blas || {}, d = m.dataset || {};
    if (d.source) applyDataset(d);
    fact(dl, 'dataset', d.source ? d.source + (d.sha256 ? ' (sha-256 ' + d.sha256.slice(0, 16) + '…)' : '') : undefined);
    fact(dl, 'encoders', (arch.image_encoder || '?') + ' image · ' + (arch.text_encoder || '?') + ' text');
    fact(dl, 'parameters', typeof arch.parameters === 'number' ? arch.parameters.toLocaleString('en') : arch.parameters);
    fact(dl, 'embedding dim', arch.embedding_dim);
    var cd = arch.caption_decoder;
    showDecoder(!!cd);
    fact(dl, 'caption decoder', cd ? cd.layers + ' causal blocks of width ' + cd.width + ', ' + cd.prefix_tokens +
      ' prefix tokens, ' + cd.parameters.toLocaleString('en') + ' parameters' : 'none');
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
    rows.push(['validation, among all ' + served.images, v.among_all]);
    if (r.among_all) rows.push(['robustness, among all ' + served.images, r.among_all]);
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

  // ---- the gallery, a page at a time ----------------------------------------------------
  var galleryPage = { offset: 0, limit: 24, total: 0 };
  async function loadGallery(offset) {
    var status = $('gallery-status'), box = $('gallery-items');
    $('gallery-prev').disabled = $('gallery-next').disabled = true;
    status.textContent = 'loading…';
    try {
      var body = await json(fetch('/v1/images?offset=' + offset + '&limit=' + galleryPage.limit));
      galleryPage.offset = body.offset;
      galleryPage.total = body.total;
      var items = body.items || [];
      box.replaceChildren.apply(box, items.map(function (item) {
        var captions = item.captions || [item.caption];
        var card = h('button', { type: 'button', class: 'thumb-card', 'data-id': String(item.id),
          title: captions.join('\n'), 'aria-label': 'Search with image ' + item.id + ': ' + item.caption },
          h('img', { src: '/v1/images/' + item.id + '.png', alt: '', loading: 'lazy' }),
          h('span', { class: 'thumb-caption', text: item.caption }));
        card.addEventListener('click', function () { searchWithGalleryImage(item); });
        return card;
      }));
      if (served.source !== 'shapes' && offset === 0 && items.length) {
        $('query').placeholder = items[0].caption;
        $('query-hint').textContent = 'Type a few words of a caption, e.g. “' + items[0].caption +
          '”; words the model does not know are ignored.';
      }
      status.textContent = items.length
        ? 'images ' + (body.offset + 1) + '–' + (body.offset + items.length) + ' of ' + body.total.toLocaleString('en')
        : 'no images';
      $('gallery-prev').disabled = body.offset === 0;
      $('gallery-next').disabled = body.offset + items.length >= body.total;
    } catch (err) {
      status.textContent = 'Could not load the gallery: ' + err.message;
    }
  }
  async function searchWithGalleryImage(item) {
    try {
      var response = await fetch(`/v1/images/${item.id}.png`);
      if (!response.ok) throw new ApiError('Could not fetch image ' + item.id + ' (' + response.status + ').', response.status);
      var blob = await response.blob();
      $('image-search').scrollIntoView({ block: 'start' });
      searchWithImage(blob, 'gallery image ' + item.id);
    } catch (err) { showError(err); }
  }
  $('gallery-prev').addEventListener('click', function () {
    loadGallery(Math.max(0, galleryPage.offset - galleryPage.limit));
  });
  $('gallery-next').addEventListener('click', function () { loadGallery(galleryPage.offset + galleryPage.limit); });
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
  // The gallery entries of `ids` (ascending), read a page at a time: ids close together
  // share a page, and a sparse sample of a large gallery asks only for the items it needs.
  async function galleryEntries(ids) {
    var entries = [], i = 0;
    while (i < ids.length) {
      var j = i;
      while (j + 1 < ids.length && ids[j + 1] - ids[i] < MAX_RESULTS) j++;
      var page = await json(fetch('/v1/images?offset=' + ids[i] + '&limit=' + (ids[j] - ids[i] + 1)));
      var byId = {};
      (page.items || []).forEach(function (item) { byId[item.id] = item; });
      for (var k = i; k <= j; k++) if (byId[ids[k]]) entries.push(byId[ids[k]]);
      i = j + 1;
    }
    return entries;
  }
  // Caption embeddings of `entries`, in one batch when every caption is a valid query; else
  // one at a time, leaving out the entries whose caption has no word the model knows.
  async function embedCaptions(entries) {
    var request = function (texts) {
      return json(fetch('/v1/embed/text', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ texts: texts }) }));
    };
    try {
      var all = await request(entries.map(function (g) { return g.caption; }));
      return { entries: entries, embeddings: all.embeddings, dim: all.dim };
    } catch (err) {
      if (err.status !== 400) throw err;
    }
    var kept = [], embeddings = [], dim = 0;
    for (var i = 0; i < entries.length; i++) {
      try {
        var one = await request([entries[i].caption]);
        kept.push(entries[i]); embeddings.push(one.embeddings[0]); dim = one.dim;
      } catch (err) {
        if (err.status !== 400) throw err;
      }
    }
    return { entries: kept, embeddings: embeddings, dim: dim };
  }
  async function mapSpace() {
    if (spaceLoading) return;
    spaceLoading = true;
    $('map-space').disabled = true;
    var status = $('space-status');
    try {
      status.textContent = 'fetching the gallery…';
      var total = (await json(fetch('/v1/images?offset=0&limit=1'))).total;
      // A large gallery is mapped on an even sample: the map stays readable and quick.
      var n = Math.min(total, MAP_SAMPLE), ids = [];
      for (var i = 0; i < n; i++) ids.push(Math.floor(i * total / n));
      var sampled = await galleryEntries(ids);
      status.textContent = 'embedding ' + sampled.length + ' captions…';
      var texts = await embedCaptions(sampled);
      var gallery = texts.entries;
      if (gallery.length < 2) throw new ApiError('too few captions the model can embed', 0);
      var images = await embedImages(gallery, function (k) { status.textContent = 'embedding images… ' + k + ' / ' + gallery.length; });
      space = { gallery: gallery, images: images, captions: texts.embeddings };
      drawPCA(space);
      drawHeatmap(space);
      status.textContent = gallery.length === total
        ? gallery.length + ' images and captions in ' + texts.dim + ' dimensions.'
        : gallery.length + ' of the ' + total.toLocaleString('en') + ' images (an even sample) and their captions in ' +
          texts.dim + ' dimensions.';
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
      // Shapes are drawn in their own colour; other images get a hue by their place in id order.
      var colour = HEX[s.gallery[j].colour] || 'hsl(' + Math.round(j * 300 / n) + ', 75%, 62%)';
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
    canvas.setAttribute('aria-label', n + ' by ' + n + ' cosine similarity of images (rows) and captions (columns)');
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
    $('heatmap-info').textContent = 'image ' + space.gallery[i].id + ' (' + space.gallery[i].caption + ') × caption “' +
      space.gallery[j].caption + '”: ' + space.sims[i * n + j].toFixed(3);
  });
  $('map-space').addEventListener('click', mapSpace);

  // ---- readiness ----------------------------------------------------------------------
  var insideLoaded = false;
  function loadInside() {
    if (insideLoaded) return;
    insideLoaded = true;
    // The gallery and the evaluation table are sized by the dataset /v1/model names.
    loadModel().then(function () { loadGallery(0); loadEval(); });
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
      // Before training starts, a dataset read from files is opened: its decoding progress.
      else if (c.name === 'weights' && c.state === 'running' && /decoding images/.test(c.detail || '')) text += ': ' + c.detail;
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
