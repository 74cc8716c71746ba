/* Admin upload page: files go straight to S3 by presigned multipart upload (parallel parts,
   retried, with progress), or to the app in chunks on local storage; then staff review the
   guesses taken from the file names and save. No framework, no CDN. Every string shown goes
   through gettext: the page loads the djangojs catalogue (admin:media_jsi18n) first. */
(function () {
  "use strict";
  const root = document.getElementById("session-upload");
  if (!root) return;
  const cfg = root.dataset;
  const PLACEHOLDER = "00000000-0000-0000-0000-000000000000";
  const PARALLEL_PARTS = 4;
  const PARALLEL_FILES = 2;
  const RETRIES = 5;
  const csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  const $ = (sel, el) => (el || root).querySelector(sel);
  const urlFor = (tpl, id) => tpl.replace(PLACEHOLDER, id);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const fill = (text, values) => interpolate(text, values, true);
  const decimal = (text) => text.replace(".", get_format("DECIMAL_SEPARATOR"));
  // Durations read h:mm:ss, as everywhere in the admin (padmakara.api.formats.clock).
  const clock = (seconds) => {
    const total = Math.round(seconds || 0);
    const pad = (n) => String(n).padStart(2, "0");
    return Math.floor(total / 3600) + ":" + pad(Math.floor(total / 60) % 60) + ":" + pad(total % 60);
  };
  const human = (n) => (n > 1e9 ? decimal((n / 1e9).toFixed(2)) + " GB" : n > 1e6 ? decimal((n / 1e6).toFixed(1)) + " MB" : Math.ceil(n / 1e3) + " kB");

  // The session files go to: the page's own, or (a gathering's folder) each new session in turn.
  const current = { startUrl: cfg.startUrl, reviewUrl: cfg.reviewUrl, saveUrl: cfg.saveUrl, statusUrl: cfg.statusUrl };
  const sessionQueue = [];  // gathering mode: {folder, label, files, ...urls} still to upload
  let sessionCount = 0;
  const uploaded = [];   // upload ids ready for review
  const files = [];      // {file, row, loaded}
  let totalBytes = 0;

  async function postJSON(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error((data.error && data.error.message) || response.statusText);
      error.details = data.error && data.error.details;
      error.status = response.status;
      throw error;
    }
    return data;
  }

  async function retrying(what, fn) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        // 4xx answers from the app are final; network errors and 5xx are worth another try.
        if (attempt >= RETRIES || (error.status >= 400 && error.status < 500)) throw error;
        await sleep(Math.min(30000, 500 * 2 ** attempt));
      }
    }
  }

  function send(method, url, blob, headers, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      Object.entries(headers || {}).forEach(([k, v]) => xhr.setRequestHeader(k, v));
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr);
        else { const e = new Error("HTTP " + xhr.status); e.status = xhr.status >= 500 ? xhr.status : 0; reject(e); }
      };
      xhr.onerror = () => reject(new Error(gettext("network error")));
      xhr.send(blob);
    });
  }

  function refreshOverall() {
    const loaded = files.reduce((sum, f) => sum + f.loaded, 0);
    const fraction = totalBytes ? loaded / totalBytes : 0;
    $("#overall-progress").value = fraction;
    $("#overall-label").textContent = Math.floor(fraction * 100) + "% · " + human(loaded) + " / " + human(totalBytes);
  }

  function setState(entry, text, value) {
    $(".state", entry.row).textContent = text;
    if (value !== undefined) $("progress", entry.row).value = value;
  }

  async function uploadS3(entry, plan) {
    const { file } = entry;
    const partLoaded = new Array(plan.partCount + 1).fill(0);
    const etags = [];
    let next = 1;
    const progress = () => {
      entry.loaded = partLoaded.reduce((a, b) => a + b, 0);
      setState(entry, gettext("uploading"), entry.loaded / file.size);
      refreshOverall();
    };
    async function worker() {
      while (next <= plan.partCount) {
        const number = next++;
        const start = (number - 1) * plan.partSize;
        const blob = file.slice(start, Math.min(file.size, start + plan.partSize));
        const xhr = await retrying("part " + number, async () => {
          partLoaded[number] = 0;
          // A fresh presigned URL per attempt: an old one may have expired during retries.
          const { urls } = await postJSON(urlFor(cfg.partsUrl, plan.uploadId), { partNumbers: [number] });
          return send("PUT", urls[String(number)], blob, {}, (n) => { partLoaded[number] = n; progress(); });
        });
        partLoaded[number] = blob.size;
        progress();
        etags.push({ partNumber: number, etag: xhr.getResponseHeader("ETag") });
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, plan.partCount) }, worker));
    return retrying("complete", () => postJSON(urlFor(cfg.completeUrl, plan.uploadId), { parts: etags }));
  }

  async function uploadLocal(entry, plan) {
    const { file } = entry;
    for (let offset = 0; offset < file.size; offset += plan.chunkSize) {
      const blob = file.slice(offset, Math.min(file.size, offset + plan.chunkSize));
      await retrying("chunk", () => send("POST", urlFor(cfg.chunkUrl, plan.uploadId) + "?offset=" + offset, blob,
        { "X-CSRFToken": csrf, "Content-Type": "application/octet-stream" },
        (n) => { entry.loaded = offset + n; setState(entry, gettext("uploading"), entry.loaded / file.size); refreshOverall(); }));
    }
    return retrying("complete", () => postJSON(urlFor(cfg.completeUrl, plan.uploadId), {}));
  }

  async function uploadOne(entry) {
    const { file } = entry;
    try {
      if (file.size > Number(cfg.maxBytes)) {
        throw new Error(fill(gettext("larger than the %(limit)s limit"), { limit: human(Number(cfg.maxBytes)) }));
      }
      setState(entry, gettext("starting"), 0);
      const plan = await retrying("start", () => postJSON(current.startUrl, {
        filename: file.name, size: file.size, contentType: file.type || "",
      }));
      entry.uploadId = plan.uploadId;
      await (plan.mode === "s3" ? uploadS3(entry, plan) : uploadLocal(entry, plan));
      entry.loaded = file.size;
      setState(entry, gettext("uploaded") + " ✓", 1);
      entry.row.dataset.state = "uploaded";
      uploaded.push(plan.uploadId);
    } catch (error) {
      entry.row.dataset.state = "failed";
      setState(entry, fill(gettext("failed: %(error)s"), { error: error.message }));
      if (entry.uploadId) postJSON(urlFor(cfg.abortUrl, entry.uploadId)).catch(() => {});
    }
    refreshOverall();
  }

  async function readEntries(entry, out) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      file.folderPath = entry.fullPath;  // "/Gathering/2024-05-12 AM/001 JKR - Talk.mp3"
      out.push(file);
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await readEntries(child, out);
      }
    }
  }

  async function addFiles(list) {
    const accepted = list.filter((f) => !f.name.startsWith("."));
    if (!accepted.length) return;
    $("#upload-progress").hidden = false;
    const fresh = accepted.map((file) => {
      const row = document.createElement("tr");
      row.innerHTML = "<td class=name></td><td>" + human(file.size) + "</td><td><progress max=1 value=0></progress></td><td class=state></td>";
      $(".name", row).textContent = file.name;
      $(".state", row).textContent = gettext("waiting");
      $("#upload-files tbody").appendChild(row);
      totalBytes += file.size;
      const entry = { file, row, loaded: 0 };
      files.push(entry);
      return entry;
    });
    refreshOverall();
    let index = 0;
    await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, fresh.length) }, async () => {
      while (index < fresh.length) await uploadOne(fresh[index++]);
    }));
    if (files.every((f) => f.row.dataset.state)) await review();
  }

  function cell(html) { const td = document.createElement("td"); if (html) td.appendChild(html); return td; }
  function input(type, value, name) {
    const el = document.createElement("input");
    el.type = type; el.name = name;
    if (type === "checkbox") el.checked = !!value; else el.value = value == null ? "" : value;
    return el;
  }
  function select(templateId, value, name) {
    const el = document.createElement("select");
    el.name = name;
    el.innerHTML = document.getElementById(templateId).innerHTML;
    el.value = value || "";
    return el;
  }

  async function review() {
    // In the order the files were dropped, not the order they finished uploading.
    const ids = files.filter((f) => f.row.dataset.state === "uploaded" && uploaded.includes(f.uploadId)).map((f) => f.uploadId);
    const { rows } = await postJSON(current.reviewUrl, { uploadIds: ids });
    const body = $("#review-rows tbody");
    body.innerHTML = "";
    for (const r of rows) {
      const tr = document.createElement("tr");
      tr.dataset.uploadId = r.uploadId;
      // Several languages (JKR+TRAD) and speakers (KPS+JKR): the selects correct the main one,
      // the others travel with the row.
      tr.dataset.languages = JSON.stringify(r.languages || []);
      tr.dataset.speakers = JSON.stringify(r.speakers || []);
      const kind = document.createElement("select");
      kind.name = "kind";
      kind.append(new Option(gettext("audio"), "audio"), new Option(gettext("transcript"), "transcript"));
      kind.value = r.kind === "transcript" ? "transcript" : "audio";
      const name = cell(); name.textContent = r.filename;
      if (r.duplicateOf) {
        tr.classList.add("duplicate");
        const note = document.createElement("div");
        note.className = "help";
        note.textContent = fill(gettext("Duplicate of %(file)s: it will not be stored twice."), { file: r.duplicateOf });
        name.appendChild(note);
      }
      for (const warning of r.warnings || []) {
        // Translated by the server: an unpaired translation, a speaker code no teacher has.
        tr.classList.add("warning");
        const note = document.createElement("div");
        note.className = "help warning";
        note.textContent = warning;
        name.appendChild(note);
      }
      // The part (AM part 2) is corrected in place; the rest of the cell says what else was read.
      const when = cell(); when.textContent = [r.date, r.part && r.part.toUpperCase(), r.bilingual && "+TRAD", (r.speakers || []).length > 1 && r.speakers.join("+")].filter(Boolean).join(" · ") + " ";
      const partNumber = input("number", r.partNumber, "partNumber");
      partNumber.min = 1; partNumber.title = gettext("part"); partNumber.placeholder = gettext("part");
      when.appendChild(partNumber);
      tr.append(name, cell(kind), cell(input("number", r.order, "order")), cell(input("text", r.title, "title")),
        cell(select("language-options", r.language, "language")), cell(select("speaker-options", r.speaker, "speaker")),
        cell(input("number", r.originalOrder, "originalOrder")), when, cell(input("checkbox", !!r.isPractice, "isPractice")),
        cell(input("checkbox", !!r.duplicateOf, "skip")));
      body.appendChild(tr);
    }
    $("#review").hidden = rows.length === 0;
  }

  function showMessage(text, level) {
    const list = $("#upload-messages");
    const item = document.createElement("li");
    item.className = level || "success";
    item.textContent = text;
    list.replaceChildren(item);
    list.hidden = false;
  }

  async function save(event) {
    event.preventDefault();
    const items = Array.from(root.querySelectorAll("#review-rows tbody tr")).map((tr) => {
      const v = (n) => tr.querySelector("[name=" + n + "]");
      return {
        uploadId: tr.dataset.uploadId, kind: v("kind").value, order: Number(v("order").value) || 0,
        title: v("title").value, language: v("language").value,
        languages: JSON.parse(tr.dataset.languages).length > 1 ? [v("language").value, ...JSON.parse(tr.dataset.languages)] : [v("language").value],
        speakers: [v("speaker").value, ...JSON.parse(tr.dataset.speakers).filter((s) => s !== v("speaker").value)].filter(Boolean),
        originalOrder: Number(v("originalOrder").value) || null, skip: v("skip").checked,
        partNumber: Number(v("partNumber").value) || null, isPractice: v("isPractice").checked,
      };
    });
    const errors = $("#review-errors");
    try {
      $("#save-uploads").disabled = true;
      // The answer does not wait for processing: the table below follows each file's state.
      const saved = await postJSON(current.saveUrl, { items });
      errors.hidden = true;
      errors.textContent = "";
      $("#review").hidden = true;
      uploaded.length = 0;
      if (saved.message) showMessage(saved.message);
      pollStatus();
      if (sessionQueue.length) nextSession();
    } catch (error) {
      errors.hidden = false;
      errors.textContent = error.message + (error.details ? " " + Object.entries(error.details).map(([k, m]) => k + ": " + m).join("; ") : "");
    } finally {
      $("#save-uploads").disabled = false;
    }
  }

  let polling = null;
  async function pollStatus() {
    clearTimeout(polling);
    let data;
    try {
      const response = await fetch(current.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      data = await response.json();
    } catch (error) {
      polling = setTimeout(pollStatus, 5000);  // the server restarting, a dropped connection
      return;
    }
    const body = $("#session-tracks tbody");
    body.replaceChildren();
    for (const f of data.files) {
      const tr = document.createElement("tr");
      tr.dataset.status = f.status;
      tr.dataset.kind = f.kind;
      const kind = f.kind === "audio" ? gettext("audio") : gettext("transcript");
      const duration = f.kind === "audio" ? clock(f.duration) : "";
      [kind, f.order, f.languageLabel || f.language, f.title, duration, f.statusLabel + (f.error ? ": " + f.error : "")].forEach((text, i) => {
        const td = document.createElement("td"); td.textContent = text; if (i === 5) td.className = "status"; tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    if (!data.done) polling = setTimeout(pollStatus, 1500);
  }

  // --- A gathering's folder: sub-folders become sessions ---------------------------------

  function folderOf(file) {
    const path = (file.folderPath || file.webkitRelativePath || "").split("/").filter(Boolean);
    return path.length >= 2 ? path[path.length - 2] : "";
  }

  let folderFiles = new Map();
  async function proposeSessions(list) {
    folderFiles = new Map();
    for (const file of list.filter((f) => !f.name.startsWith("."))) {
      const folder = folderOf(file);
      if (!folder) continue;
      if (!folderFiles.has(folder)) folderFiles.set(folder, []);
      folderFiles.get(folder).push(file);
    }
    const errors = $("#folder-errors");
    if (!folderFiles.size) {
      errors.textContent = gettext("Drop a folder whose sub-folders hold each session's files.");
      errors.hidden = false;
      $("#folder-sessions").hidden = false;
      return;
    }
    errors.hidden = true;
    const { sessions } = await postJSON(cfg.proposeUrl, { folders: Array.from(folderFiles.keys()) });
    const body = $("#folder-session-rows tbody");
    body.replaceChildren();
    for (const s of sessions) {
      const tr = document.createElement("tr");
      tr.dataset.folder = s.folder;
      const name = cell(); name.textContent = s.folder;
      const count = cell(); count.textContent = folderFiles.get(s.folder).length;
      const date = input("date", s.date, "date");
      tr.append(name, count, cell(input("text", s.name, "name")), cell(date), cell(select("session-type-options", s.type, "type")));
      body.appendChild(tr);
    }
    $("#folder-sessions").hidden = false;
  }

  async function createSessions(event) {
    event.preventDefault();
    const rows = Array.from(root.querySelectorAll("#folder-session-rows tbody tr"));
    const sessions = rows.map((tr) => ({
      folder: tr.dataset.folder, name: tr.querySelector("[name=name]").value,
      date: tr.querySelector("[name=date]").value, type: tr.querySelector("[name=type]").value,
    }));
    const errors = $("#folder-errors");
    try {
      $("#create-sessions").disabled = true;
      const created = await postJSON(cfg.createUrl, { sessions });
      errors.hidden = true;
      $("#folder-sessions").hidden = true;
      $("#dropzone").hidden = true;
      for (const s of created.sessions) sessionQueue.push({ ...s, files: folderFiles.get(s.folder) || [] });
      sessionCount = sessionQueue.length;
      showMessage(fill(ngettext("%(count)s session created.", "%(count)s sessions created.", sessionCount), { count: sessionCount }));
      nextSession();
    } catch (error) {
      errors.hidden = false;
      errors.textContent = error.message + (error.details ? " " + Object.entries(error.details).map(([k, m]) => k + ": " + m).join("; ") : "");
    } finally {
      $("#create-sessions").disabled = false;
    }
  }

  function nextSession() {
    const session = sessionQueue.shift();
    Object.assign(current, { startUrl: session.startUrl, reviewUrl: session.reviewUrl, saveUrl: session.saveUrl, statusUrl: session.statusUrl });
    const note = $("#current-session");
    note.textContent = fill(gettext("Session %(number)s of %(total)s: %(session)s"), {
      number: sessionCount - sessionQueue.length, total: sessionCount, session: session.label,
    });
    note.hidden = false;
    $("#session-tracks").hidden = false;
    $("#upload-files tbody").replaceChildren();
    files.length = 0;
    totalBytes = 0;
    addFiles(session.files);
  }

  const gathering = cfg.mode === "gathering";
  const take = (list) => (gathering ? proposeSessions(list) : addFiles(list));
  const zone = $("#dropzone");
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    // Entries must be taken before the first await: the DataTransfer is emptied afterwards.
    const items = Array.from(event.dataTransfer.items || []);
    const entries = items.map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
    const out = [];
    if (entries.length) {
      for (const entry of entries) await readEntries(entry, out);
    } else {
      out.push(...Array.from(event.dataTransfer.files));
    }
    take(out);
  });
  $("#media-files").addEventListener("change", (event) => { take(Array.from(event.target.files)); event.target.value = ""; });
  $("#review").addEventListener("submit", save);
  if (gathering) $("#folder-sessions").addEventListener("submit", createSessions);
  // Files saved earlier may still be processing (a reload, a second tab): follow them too.
  if (root.querySelector("#session-tracks tr[data-status=pending], #session-tracks tr[data-status=processing]")) pollStatus();
})();
