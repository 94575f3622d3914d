// trustd moderator page. Plain JavaScript, no build step.
"use strict";
(function () {
  const $ = (s, el) => (el || document).querySelector(s);
  const $$ = (s, el) => Array.from((el || document).querySelectorAll(s));
  const csrfMeta = $('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  function status(msg, state) {
    const el = $("#status");
    if (!el) return;
    el.textContent = msg;
    el.dataset.state = state || "";
  }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = {};
    try { data = await res.json(); } catch (e) { /* empty body */ }
    return { ok: res.ok, status: res.status, data: data };
  }

  function errText(r) {
    const e = r.data && r.data.error;
    return e ? e.message + " (" + e.code + ")" : "HTTP " + r.status;
  }

  const leaseKey = (key) => "trustd.lease:" + key;

  // claim takes the next item of queue and opens it. It resolves to false when the queue is empty.
  async function claim(queue) {
    const r = await api("POST", "/v1/review/queues/" + encodeURIComponent(queue) + "/claim");
    if (r.ok) {
      const l = r.data.lease;
      sessionStorage.setItem(leaseKey(l.key), JSON.stringify({ token: l.token, queue: queue }));
      location.href = "/review/items/" + encodeURIComponent(l.key);
      return true;
    }
    if (r.data.error && r.data.error.code === "queue_empty") return false;
    status("Could not claim: " + errText(r), "error");
    return null;
  }

  // Help dialog.
  const help = $("#help");
  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }
  $$("[data-help]").forEach((b) => b.addEventListener("click", toggleHelp));

  // Queues page.
  $$("[data-claim]").forEach((b) =>
    b.addEventListener("click", async () => {
      b.disabled = true;
      const ok = await claim(b.dataset.claim);
      if (ok === false) status("Queue " + b.dataset.claim + " is empty.", "");
      if (!ok) b.disabled = false;
    })
  );

  // Review screen.
  const root = $("#review");
  let busy = false;
  const marks = $$("mark[data-nav]");
  let markIdx = -1;
  function nav(delta) {
    if (!marks.length) return;
    markIdx = (markIdx + delta + marks.length) % marks.length;
    marks[markIdx].focus();
    marks[markIdx].scrollIntoView({ block: "nearest" });
  }

  $$(".imgwrap").forEach((b) =>
    b.addEventListener("click", () => {
      const on = b.classList.toggle("revealed");
      b.setAttribute("aria-pressed", on ? "true" : "false");
    })
  );

  if (root) {
    const key = root.dataset.key;
    const lease = JSON.parse(sessionStorage.getItem(leaseKey(key)) || "null");
    const buttons = $$("[data-action], [data-skip]");
    if (!lease) {
      buttons.forEach((b) => (b.disabled = true));
      status("You have not claimed this item. Claim it from its queue to decide.", "");
    } else {
      const every = Math.max(5, Number(root.dataset.leaseSeconds || 300) / 3) * 1000;
      const hb = setInterval(async () => {
        const r = await api("POST", "/v1/review/items/" + encodeURIComponent(key) + "/heartbeat", { token: lease.token });
        if (!r.ok) {
          clearInterval(hb);
          buttons.forEach((b) => (b.disabled = true));
          status("Your claim ended: " + errText(r), "error");
        }
      }, every);
    }

    async function next(savedMsg) {
      const ok = await claim(lease.queue);
      if (ok === false) {
        status(savedMsg + " Queue " + lease.queue + " is empty.", "done");
        const back = document.createElement("a");
        back.href = "/review/";
        back.textContent = " Back to queues";
        $("#status").appendChild(back);
      }
    }

    async function decide(action) {
      if (!lease || busy) return;
      busy = true;
      const body = { token: lease.token, action: action };
      const note = $("#note");
      if (note && note.value.trim()) body.note = note.value.trim();
      if (action === "move") body.queue = $("#move-to").value;
      if (action === "approve") {
        const allow = $$('input[name="allow"]:checked').map((c) => ({ term: c.dataset.term, category: c.dataset.category }));
        if (allow.length) body.allow = allow;
      }
      const bank = $("#bank-deny");
      if (action === "remove" && bank && bank.checked) body.bank = "deny";
      status("Saving " + action + "…", "");
      const r = await api("POST", "/v1/review/items/" + encodeURIComponent(key) + "/decision", body);
      busy = false;
      if (!r.ok) {
        let msg = "Not saved: " + errText(r);
        if (r.data.decision) msg += " — already decided: " + r.data.decision.action + " by " + r.data.decision.actor;
        status(msg, "error");
        return;
      }
      sessionStorage.removeItem(leaseKey(key));
      buttons.forEach((b) => (b.disabled = true));
      root.dataset.decided = action;
      await next("Saved: " + action + ".");
    }

    async function skip() {
      if (!lease || busy) return;
      busy = true;
      // Claim the next item first so that the skipped one (which returns to its old place
      // at the head of the queue) is not handed straight back.
      const r = await api("POST", "/v1/review/queues/" + encodeURIComponent(lease.queue) + "/claim");
      busy = false;
      if (!r.ok) {
        status(r.data.error && r.data.error.code === "queue_empty" ? "Nothing else to take; keep this one." : "Could not skip: " + errText(r), "");
        return;
      }
      await api("POST", "/v1/review/items/" + encodeURIComponent(key) + "/release", { token: lease.token });
      sessionStorage.removeItem(leaseKey(key));
      const l = r.data.lease;
      sessionStorage.setItem(leaseKey(l.key), JSON.stringify({ token: l.token, queue: lease.queue }));
      location.href = "/review/items/" + encodeURIComponent(l.key);
    }

    $$("[data-action]").forEach((b) => b.addEventListener("click", () => decide(b.dataset.action)));
    $$("[data-skip]").forEach((b) => b.addEventListener("click", skip));

    document.addEventListener("keydown", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const t = ev.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
      if (help && help.open && ev.key !== "?") return;
      const map = { a: "approve", r: "remove", l: "limit", e: "escalate" };
      if (map[ev.key]) { ev.preventDefault(); decide(map[ev.key]); }
      else if (ev.key === "s") { ev.preventDefault(); skip(); }
      else if (ev.key === "j") { ev.preventDefault(); nav(1); }
      else if (ev.key === "k") { ev.preventDefault(); nav(-1); }
      else if (ev.key === "?") { ev.preventDefault(); toggleHelp(); }
    });
  } else {
    document.addEventListener("keydown", (ev) => {
      const t = ev.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
      if (ev.key === "?") { ev.preventDefault(); toggleHelp(); }
    });
  }
})();
