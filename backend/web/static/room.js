// Tolk live captions: one EventSource per language, captions keyed by segment (replays never duplicate).
"use strict";
(function () {
  const MAX_LINES = 200;
  const params = new URLSearchParams(location.search);
  const room = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
  const overlay = params.get("overlay") === "1";
  const overlayLines = Math.max(1, Math.min(3, parseInt(params.get("lines") || "2", 10) || 2));
  const token = params.get("token") || "";
  const names = {
    ca: "Català", de: "Deutsch", en: "English", eo: "Esperanto", es: "Español", eu: "Euskara",
    fr: "Français", gl: "Galego", it: "Italiano", nl: "Nederlands", oc: "Occitan", pt: "Português",
  };
  const $ = (id) => document.getElementById(id);
  const captions = $("captions"), partial = $("partial"), picker = $("lang"), statusLine = $("status");
  let lang = (params.get("lang") || localStorage.getItem("tolk.lang") || (navigator.language || "en").slice(0, 2)).toLowerCase();
  let source = null, bySegment = new Map(), ended = false;

  if (overlay) document.body.classList.add("overlay");
  $("room-name").textContent = room || "Live captions";
  document.title = (room ? room + " · " : "") + "Live captions";
  const savedTheme = localStorage.getItem("tolk.theme");
  if (savedTheme) document.documentElement.dataset.theme = savedTheme;
  $("theme").addEventListener("click", () => {
    const dark = getComputedStyle(document.documentElement).getPropertyValue("--bg").trim() === "#0f1115";
    const next = dark ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem("tolk.theme", next);
  });

  function setStatus(text, live) {
    statusLine.textContent = text;
    $("status-dot").classList.toggle("live", !!live);
  }

  function placeholder() {
    if (!captions.children.length) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = "Waiting for the speaker…";
      captions.appendChild(p);
    }
  }

  function nearBottom() {
    return captions.scrollHeight - captions.scrollTop - captions.clientHeight < 120;
  }

  function showFinal(c) {
    const follow = nearBottom();
    captions.querySelectorAll(".empty").forEach((e) => e.remove());
    let p = bySegment.get(c.segment_id);
    if (!p) {
      p = document.createElement("p");
      p.dataset.segment = c.segment_id;
      const after = [...bySegment.keys()].filter((k) => k > c.segment_id).sort((a, b) => a - b)[0];
      captions.insertBefore(p, after === undefined ? null : bySegment.get(after));
      bySegment.set(c.segment_id, p);
      if (!c.replay) p.classList.add("fresh");
    }
    p.lang = c.language;
    p.textContent = c.text;
    p.classList.toggle("replay", !!c.replay);
    partial.textContent = "";
    const keep = overlay ? overlayLines : MAX_LINES;
    while (bySegment.size > keep) {
      const oldest = Math.min(...bySegment.keys());
      bySegment.get(oldest).remove();
      bySegment.delete(oldest);
    }
    if (follow || overlay) captions.scrollTop = captions.scrollHeight;
  }

  let events = null;
  function connect() {
    if (events) events.close();
    ended = false;
    const query = new URLSearchParams({ lang: lang });
    if (token) query.set("token", token);
    events = new EventSource("/rooms/" + encodeURIComponent(room) + "/events?" + query);
    setStatus("Connecting…", false);
    events.addEventListener("ready", () => setStatus("Connected · " + (names[lang] || lang), true));
    events.addEventListener("caption", (e) => {
      const c = JSON.parse(e.data);
      if (c.is_final) showFinal(c);
      else partial.textContent = c.text;
    });
    events.addEventListener("end", (e) => {
      ended = true;
      events.close();
      const reason = JSON.parse(e.data).reason;
      setStatus("The event has ended (" + reason + ").", false);
      if (reason === "speaker ended") return;
      setTimeout(connect, 3000);
    });
    events.addEventListener("refused", (e) => {
      ended = true;
      events.close();
      setStatus("Cannot follow this room: " + JSON.parse(e.data).reason, false);
    });
    events.onerror = () => { if (!ended) setStatus("Reconnecting…", false); };
  }

  function fillPicker(list) {
    if (!list.includes(lang)) list = [...list, lang];
    picker.replaceChildren(...list.sort().map((code) => {
      const o = document.createElement("option");
      o.value = code;
      o.textContent = (names[code] || code) + (code === source ? " (original)" : "");
      o.selected = code === lang;
      return o;
    }));
  }

  picker.addEventListener("change", () => {
    lang = picker.value;
    localStorage.setItem("tolk.lang", lang);
    bySegment.clear();
    captions.replaceChildren();
    partial.textContent = "";
    placeholder();
    connect();
  });

  fetch("/rooms/" + encodeURIComponent(room) + "/languages")
    .then((r) => r.json())
    .then((info) => { source = info.source; fillPicker(info.languages || []); })
    .catch(() => fillPicker([]));
  placeholder();
  connect();
})();
