// StanceLens page: plain JS, no build step. All user and article text goes through textContent.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const CUE_TYPES = ["modal", "evidential", "approximator", "probability", "conditional", "attribution"];
  const EXTENSIONS = { txt: "text", md: "markdown", markdown: "markdown", html: "html", htm: "html" };

  let result = null; // the last AnalysisResult
  let hedgedOrder = "text"; // "text", "desc", "asc"
  let activeTarget = null;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const fmt = (score) => Number(score).toFixed(2);

  // ---------- status and errors ----------
  function setStatus(message, busy) {
    const status = $("status");
    status.textContent = "";
    if (busy) status.append(el("span", { class: "spinner", "aria-hidden": "true" }));
    status.append(document.createTextNode(message || ""));
    $("analyze").disabled = !!busy;
    $("fetch").disabled = !!busy;
    document.body.classList.toggle("busy", !!busy);
    $("analyze-form").setAttribute("aria-busy", busy ? "true" : "false");
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  async function errorMessage(response) {
    let detail = "";
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail
        : Array.isArray(body.detail) ? body.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ")
        : JSON.stringify(body);
    } catch (_) {
      detail = response.statusText;
    }
    return `Error ${response.status}: ${detail}`;
  }

  // ---------- API key ----------
  // Only asked for once the server answers 401; kept for this tab only, never in localStorage.
  const KEY_STORAGE = "stancelens.apiKey";

  function showKeyField() { $("key-field").hidden = false; }

  function wireKey() {
    let stored = "";
    try { stored = sessionStorage.getItem(KEY_STORAGE) || ""; } catch (_) { /* storage off: the key lives in the field */ }
    if (stored) { $("api-key").value = stored; showKeyField(); }
    $("api-key").addEventListener("input", () => {
      const key = $("api-key").value.trim();
      try {
        if (key) sessionStorage.setItem(KEY_STORAGE, key);
        else sessionStorage.removeItem(KEY_STORAGE);
      } catch (_) { /* storage off */ }
    });
  }

  function post(path, body) {
    const headers = { "content-type": "application/json" };
    const key = $("api-key").value.trim();
    if (key) headers.authorization = `Bearer ${key}`;
    return fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  }

  async function showFailure(response) {
    const message = await errorMessage(response);
    if (response.status !== 401) { showError(message); return; }
    showKeyField();
    showError(`${message} Enter the API key in the "API key" field and try again.`);
    $("api-key").focus();
  }

  // ---------- input: file, drop, fetch ----------
  async function loadFile(file) {
    const ext = (file.name.split(".").pop() || "").toLowerCase();
    if (!(ext in EXTENSIONS)) {
      showError(`Cannot open ${file.name}: choose a .txt, .md or .html file.`);
      return;
    }
    $("text").value = await file.text();
    $("content-type").value = EXTENSIONS[ext];
    showError("");
    setStatus(`Loaded ${file.name}.`, false);
  }

  function wireInput() {
    $("file").addEventListener("change", (event) => {
      const file = event.target.files && event.target.files[0];
      if (file) loadFile(file);
    });
    const drop = $("drop");
    ["dragenter", "dragover"].forEach((name) => drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("dragging");
    }));
    ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => drop.classList.remove("dragging")));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      const file = event.dataTransfer && event.dataTransfer.files && event.dataTransfer.files[0];
      if (file) loadFile(file);
    });
    $("fetch").addEventListener("click", fetchUrl);
    $("url").addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); fetchUrl(); }
    });
  }

  async function fetchUrl() {
    const url = $("url").value.trim();
    if (!url) { showError("Enter a URL to fetch."); $("url").focus(); return; }
    showError("");
    setStatus("Fetching…", true);
    try {
      const response = await post("/v1/fetch", { url });
      if (!response.ok) { await showFailure(response); setStatus("", false); return; }
      const body = await response.json();
      $("text").value = body.text;
      $("content-type").value = body.content_type;
      setStatus(`Fetched ${body.url}.`, false);
    } catch (err) {
      showError(`Could not reach the server: ${err}`);
      setStatus("", false);
    }
  }

  // ---------- analysis ----------
  const lines = (value) => value.split("\n").map((s) => s.trim()).filter(Boolean);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function analyze(event) {
    event.preventDefault();
    const text = $("text").value;
    if (!text.trim()) { showError("Paste or load an article first."); $("text").focus(); return; }
    showError("");
    const request = {
      text,
      content_type: $("content-type").value,
      targets: lines($("targets").value),
      claims: lines($("claims").value),
    };
    setStatus("Analysing…", true);
    const started = performance.now();
    try {
      for (let attempt = 0; ; attempt++) {
        const response = await post("/v1/analyze", request);
        if (response.status === 503 && attempt < 60) {
          setStatus("Models are loading, waiting…", true);
          await sleep(1000 * Math.min(5, Number(response.headers.get("Retry-After")) || 2));
          setStatus("Analysing…", true);
          continue;
        }
        if (!response.ok) { await showFailure(response); setStatus("", false); return; }
        result = await response.json();
        break;
      }
      render(result);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      setStatus(`Done in ${seconds} s.`, false);
    } catch (err) {
      showError(`Could not analyse: ${err}`);
      setStatus("", false);
    }
  }

  // ---------- offsets ----------
  // The API's offsets count code points (Python); JS strings count UTF-16 units.
  function offsetMap(text) {
    if (!/[\uD800-\uDBFF]/.test(text)) return (offset) => offset;
    const units = [0];
    let unit = 0;
    for (const ch of text) { unit += ch.length; units.push(unit); }
    return (offset) => units[Math.min(offset, units.length - 1)];
  }

  // ---------- rendering ----------
  function render(res) {
    const u = offsetMap(res.text);
    activeTarget = null;
    $("results").hidden = false;
    $("summary").textContent = res.summary.text || "(no summary sentences)";
    $("model").textContent = `Model ${res.model.version}. ${Object.entries(res.timings_ms).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(", ")}.`;

    const spans = collectSpans(res, u);
    renderLegend(res);
    renderArticle(res, u, spans);
    renderChips(res);
    renderHedged(res);
    renderClaims(res);
    $("results").focus({ preventScroll: true });
  }

  // Every highlight as {start, end, rank, make}: rank orders the nesting of spans with the same range.
  function collectSpans(res, u) {
    const spans = [];
    const descriptions = $("cue-descriptions");
    descriptions.textContent = "";

    const summarySentences = new Map();
    const addSummary = (section) => {
      for (const s of section.summary.sentences || []) summarySentences.set(`${s.start}:${s.end}`, s);
      (section.subsections || []).forEach(addSummary);
    };
    res.sections.forEach(addSummary);
    for (const s of summarySentences.values()) {
      spans.push({ start: u(s.start), end: u(s.end), rank: 0, make: () => el("span", { class: "sum" }) });
    }

    res.hedged_claims.forEach((claim, i) => {
      const source = claim.source ? claim.source.text : "not attributed";
      let made = false; // a sentence cut by a crossing highlight becomes several spans: the id goes on the first
      spans.push({
        start: u(claim.sentence.start), end: u(claim.sentence.end), rank: 1,
        make: () => {
          const node = el("span", { class: "hedged", id: made ? null : `hedged-${i}`, dataset: { score: fmt(claim.score) } });
          made = true;
          return node;
        },
      });
      claim.cues.forEach((cue, j) => {
        const id = `cue-${i}-${j}`;
        const tip = `${cue.type} cue · hedge score ${fmt(claim.score)} · source: ${source}`;
        descriptions.append(el("span", { id: `${id}-desc` }, tip));
        spans.push({
          start: u(cue.start), end: u(cue.end), rank: 4,
          make: () => el("mark", {
            class: `cue cue-${cue.type}`, tabindex: 0, title: tip,
            "aria-describedby": `${id}-desc`, dataset: { type: cue.type, score: fmt(claim.score), source, tip },
          }),
        });
      });
    });

    // Evidence and mentions: one span per range, listing every target it belongs to.
    const evidence = new Map();
    const mentions = new Map();
    res.stances.forEach((stance, t) => {
      for (const e of stance.evidence) {
        const key = `${e.start}:${e.end}`;
        if (!evidence.has(key)) evidence.set(key, { start: e.start, end: e.end, labels: [] });
        evidence.get(key).labels.push(`${t}=${e.label}=${fmt(e.score)}`);
      }
      for (const m of stance.mentions) {
        const key = `${m.start}:${m.end}`;
        if (!mentions.has(key)) mentions.set(key, { start: m.start, end: m.end, labels: [] });
        mentions.get(key).labels.push(String(t));
      }
    });
    for (const e of evidence.values()) {
      spans.push({ start: u(e.start), end: u(e.end), rank: 2,
        make: () => el("span", { class: "ev", dataset: { targets: e.labels.join(" ") } }) });
    }
    for (const m of mentions.values()) {
      spans.push({ start: u(m.start), end: u(m.end), rank: 3,
        make: () => el("span", { class: "mention", dataset: { targets: m.labels.join(" ") } }) });
    }
    return spans.filter((s) => s.end > s.start);
  }

  // Text [start, end) with the overlapping spans nested: cut at every boundary, and for each
  // piece open the spans covering it, outermost first (earlier start, then longer, then rank),
  // reusing the open ones that still apply. Of two crossing spans the later one is split in two.
  function fillRange(parent, text, start, end, spans) {
    const inside = spans.filter((s) => s.start < end && s.end > start);
    const cuts = new Set([start, end]);
    for (const s of inside) {
      if (s.start > start) cuts.add(s.start);
      if (s.end < end) cuts.add(s.end);
    }
    const points = [...cuts].sort((a, b) => a - b);
    const stack = []; // [{span, node}]
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      const covering = inside.filter((s) => s.start <= a && s.end >= b)
        .sort((x, y) => (x.start - y.start) || (y.end - x.end) || (x.rank - y.rank));
      let keep = 0;
      while (keep < stack.length && keep < covering.length && stack[keep].span === covering[keep]) keep++;
      stack.length = keep;
      for (let k = keep; k < covering.length; k++) {
        const node = covering[k].make();
        (k === 0 ? parent : stack[k - 1].node).append(node);
        stack.push({ span: covering[k], node });
      }
      (stack.length ? stack[stack.length - 1].node : parent).append(document.createTextNode(text.slice(a, b)));
    }
  }

  // Paragraphs of [start, end): one <p> per line with text.
  function fillParagraphs(parent, text, start, end, spans) {
    let position = start;
    while (position < end) {
      let stop = text.indexOf("\n", position);
      if (stop === -1 || stop > end) stop = end;
      if (text.slice(position, stop).trim()) {
        const p = el("p");
        fillRange(p, text, position, stop, spans);
        parent.append(p);
      }
      position = stop + 1;
    }
  }

  // Where a section's body starts: after its heading and the markup around it ("**", "1.", "##", ":").
  function bodyStart(text, section, u) {
    if (!section.heading) return u(section.start);
    let position = u(section.heading.end);
    const limit = u(section.end);
    while (position < limit && /[*_#:\s]/.test(text[position]) && text[position] !== "\n") position++;
    if (position < limit && text[position] === "\n") position++;
    return position;
  }

  function renderSection(res, section, u, spans, depth, path) {
    const title = section.heading ? section.heading.text : "Lead";
    const details = el("details", { class: `section level-${Math.min(depth, 3)}`, open: true, dataset: { path } });
    const summary = el("summary", {}, el("span", { class: `heading heading-${Math.min(depth, 3)}`, role: "heading", "aria-level": String(Math.min(3 + depth, 6)) }, title));
    details.append(summary);
    if (section.summary && section.summary.text) {
      details.append(el("p", { class: "section-summary" }, el("strong", {}, "Summary: "), section.summary.text));
    }
    const body = el("div", { class: "section-body" });
    const text = res.text;
    const start = bodyStart(text, section, u);
    const subs = section.subsections || [];
    const ownEnd = subs.length ? Math.max(start, u(subs[0].start)) : u(section.end);
    fillParagraphs(body, text, start, ownEnd, spans);
    subs.forEach((sub, i) => body.append(renderSection(res, sub, u, spans, depth + 1, `${path}.${i}`)));
    details.append(body);
    return details;
  }

  function renderArticle(res, u, spans) {
    const article = $("article");
    article.textContent = "";
    res.sections.forEach((section, i) => article.append(renderSection(res, section, u, spans, 0, String(i))));
  }

  function renderLegend(res) {
    const legend = $("cue-legend");
    legend.textContent = "";
    const used = new Set(res.hedged_claims.flatMap((c) => c.cues.map((cue) => cue.type)));
    for (const type of CUE_TYPES) {
      legend.append(el("span", { class: `legend-item${used.has(type) ? "" : " unused"}` },
        el("mark", { class: `cue cue-${type} sample`, dataset: { type } }, type)));
    }
  }

  // ---------- stance chips ----------
  function renderChips(res) {
    const chips = $("chips");
    chips.textContent = "";
    $("chip-note").textContent = "";
    if (!res.stances.length) { chips.append(el("p", { class: "help" }, "No targets found.")); return; }
    res.stances.forEach((stance, t) => {
      const chip = el("button", {
        type: "button", class: `chip chip-${stance.label}`, "aria-pressed": "false",
        dataset: { target: stance.target, index: t, label: stance.label },
        title: stance.aliases.length ? `Also: ${stance.aliases.join(", ")}` : null,
      },
      el("span", { class: "chip-target" }, stance.target),
      el("span", { class: "chip-label" }, stance.label),
      el("span", { class: "chip-score" }, fmt(stance.score)));
      chip.addEventListener("click", () => selectTarget(activeTarget === t ? null : t));
      chips.append(chip);
    });
  }

  function selectTarget(t) {
    activeTarget = t;
    document.querySelectorAll("#chips .chip").forEach((chip) => {
      chip.setAttribute("aria-pressed", String(Number(chip.dataset.index) === t));
    });
    let first = null;
    let count = 0;
    document.querySelectorAll("#article .ev").forEach((node) => {
      const own = t === null ? null : node.dataset.targets.split(" ").find((entry) => entry.split("=")[0] === String(t));
      node.classList.toggle("ev-on", !!own);
      if (own) {
        const [, label, score] = own.split("=");
        node.dataset.active = label;
        node.title = `evidence: ${label} ${score}`;
        count++;
        if (!first) first = node;
        for (let d = node.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) d.open = true;
      } else {
        delete node.dataset.active;
        node.removeAttribute("title");
      }
    });
    document.querySelectorAll("#article .mention").forEach((node) => {
      node.classList.toggle("mention-on", t !== null && node.dataset.targets.split(" ").includes(String(t)));
    });
    if (t === null) { $("chip-note").textContent = ""; return; }
    const stance = result.stances[t];
    $("chip-note").textContent = `${stance.target}: ${stance.label} (${fmt(stance.score)}), ${count} evidence sentence${count === 1 ? "" : "s"} highlighted.`;
    if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  // ---------- panels ----------
  function renderHedged(res) {
    const list = $("hedged");
    list.textContent = "";
    const items = res.hedged_claims.map((claim, i) => ({ claim, i }));
    if (hedgedOrder === "desc") items.sort((a, b) => b.claim.score - a.claim.score || a.i - b.i);
    if (hedgedOrder === "asc") items.sort((a, b) => a.claim.score - b.claim.score || a.i - b.i);
    const state = { text: "In text order.", desc: "Sorted by score, highest first.", asc: "Sorted by score, lowest first." };
    $("sort-state").textContent = state[hedgedOrder];
    $("sort-hedged").textContent = hedgedOrder === "desc" ? "Sort by score: lowest first" : "Sort by score: highest first";
    if (!items.length) { list.append(el("li", { class: "help" }, "No hedged claims.")); return; }
    for (const { claim, i } of items) {
      const cues = el("span", { class: "cue-list" });
      claim.cues.forEach((cue) => cues.append(el("mark", { class: `cue cue-${cue.type} sample`, dataset: { type: cue.type }, title: cue.type }, cue.text)));
      const show = el("button", { type: "button", class: "link", "aria-label": `Show hedged claim ${i + 1} in the text` }, "Show in text");
      show.addEventListener("click", () => {
        const node = document.getElementById(`hedged-${i}`);
        if (!node) return;
        for (let d = node.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) d.open = true;
        node.scrollIntoView({ block: "center" });
        const cue = node.querySelector("mark.cue");
        if (cue) cue.focus({ preventScroll: true });
      });
      list.append(el("li", { class: "hedged-item", dataset: { score: fmt(claim.score) } },
        el("span", { class: "score", "aria-label": `hedge score ${fmt(claim.score)}` }, fmt(claim.score)),
        el("span", { class: "sentence" }, claim.sentence.text),
        el("span", { class: "meta" }, cues, claim.source ? el("span", { class: "source" }, `source: ${claim.source.text}`) : null, show)));
    }
  }

  function renderClaims(res) {
    const box = $("claim-stances");
    box.textContent = "";
    if (!res.claims.length) {
      box.append(el("p", { class: "help" }, "No claims given. Add claims above, one per line, to see whether the article agrees."));
      return;
    }
    const list = el("ul", { class: "claim-list" });
    for (const c of res.claims) {
      const evidence = el("ul", { class: "claim-evidence" });
      c.evidence.forEach((e) => evidence.append(el("li", {}, el("span", { class: "score" }, fmt(e.relevance)), " ", e.text)));
      list.append(el("li", { class: "claim" },
        el("span", { class: "claim-text" }, c.claim), " ",
        el("span", { class: `badge badge-${c.label}` }, c.label), " ",
        el("span", { class: "score" }, fmt(c.score)),
        evidence));
    }
    box.append(list);
  }

  // ---------- exports ----------
  function download(blob, name) {
    const href = URL.createObjectURL(blob);
    const link = el("a", { href, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 1000);
  }

  const fileId = () => (result.id || "result").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80);

  async function exportMarkdown() {
    if (!result) return;
    showError("");
    const response = await post("/v1/report", result);
    if (!response.ok) { await showFailure(response); return; }
    download(new Blob([await response.text()], { type: "text/markdown" }), `stancelens-${fileId()}.md`);
  }

  // ---------- a finished job's collection report ----------
  // The server renders the same HTML as `stancelens report`; its <main> is shown here. The page's CSP drops
  // the report's inline style (style.css styles it instead); its plots are data: images, which the CSP allows.
  async function showJobReport(event) {
    event.preventDefault();
    const id = $("job-id").value.trim();
    const box = $("job-report-error");
    box.hidden = true;
    if (!id) { box.textContent = "Enter a job id."; box.hidden = false; return; }
    const query = new URLSearchParams();
    $("job-by").value.split(",").map((s) => s.trim()).filter(Boolean).forEach((by) => query.append("by", by));
    const headers = { accept: "text/html" };
    const key = $("api-key").value.trim();
    if (key) headers.authorization = `Bearer ${key}`;
    $("job-report-status").textContent = "Loading the report…";
    try {
      const response = await fetch(`/v1/jobs/${encodeURIComponent(id)}/report?${query}`, { headers });
      if (!response.ok) {
        if (response.status === 401) showKeyField();
        box.textContent = await errorMessage(response);
        box.hidden = false;
        return;
      }
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const main = doc.querySelector("main");
      $("job-report").replaceChildren(...(main ? Array.from(main.childNodes).map((n) => document.adoptNode(n)) : []));
      $("job-report").focus();
    } finally {
      $("job-report-status").textContent = "";
    }
  }

  function init() {
    wireKey();
    $("job-report-form").addEventListener("submit", showJobReport);
    wireInput();
    $("analyze-form").addEventListener("submit", analyze);
    $("export-json").addEventListener("click", () => {
      if (result) download(new Blob([JSON.stringify(result, null, 2)], { type: "application/json" }), `stancelens-${fileId()}.json`);
    });
    $("export-md").addEventListener("click", exportMarkdown);
    $("sort-hedged").addEventListener("click", () => {
      hedgedOrder = hedgedOrder === "desc" ? "asc" : "desc";
      if (result) renderHedged(result);
    });
    $("expand-all").addEventListener("click", () => document.querySelectorAll("#article details").forEach((d) => { d.open = true; }));
    $("collapse-all").addEventListener("click", () => document.querySelectorAll("#article details").forEach((d) => { d.open = false; }));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
