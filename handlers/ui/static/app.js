// evolvestack dashboard: reads and changes the emulator only through the
// admin API under /_evolvestack/. No framework, no build step.
"use strict";
(function () {
  const ADMIN = "/_evolvestack/";
  const token = document.querySelector('meta[name="evolvestack-token"]').content;
  const main = document.getElementById("main");
  const statusEl = document.getElementById("status");
  const scope = { account: "", region: "" };

  // h builds an element; text is always set as text, never parsed as HTML.
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else if (k === "style") Object.assign(el.style, v); // CSSOM: the CSP allows no inline style attributes
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === undefined || kid === null || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }
  function table(heads, rows, empty) {
    if (!rows.length) return h("p", { class: "empty" }, empty || "none");
    return h("table", {}, h("thead", {}, h("tr", {}, heads.map((x) => h("th", { class: /^#|count|Visible|In flight|Delayed|Shards|Consumers|Targets|Attempt|Batch|ms/.test(x) ? "num" : "" }, x)))),
      h("tbody", {}, rows));
  }
  function badge(text, cls) { return h("span", { class: "badge " + (cls || text) }, text); }
  function say(msg, cls) { statusEl.textContent = msg || ""; statusEl.className = cls || ""; }

  async function api(path, opts) {
    opts = opts || {};
    const q = new URLSearchParams();
    if (scope.account) q.set("account", scope.account);
    if (scope.region) q.set("region", scope.region);
    for (const [k, v] of Object.entries(opts.query || {})) q.set(k, v);
    const qs = q.toString();
    const init = { method: opts.method || "GET", headers: { "X-Evolvestack-Token": token } };
    if (opts.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    }
    const res = await fetch(ADMIN + path + (qs ? "?" + qs : ""), init);
    const text = await res.text();
    let data;
    try { data = text ? JSON.parse(text) : {}; } catch (e) { data = { error: text }; }
    if (!res.ok) throw new Error((data && (data.error || data.message)) || res.status + " " + res.statusText);
    return data;
  }
  const enc = encodeURIComponent;
  const tail = (s) => String(s || "").split(/[:/]/).pop();
  const fmtTime = (t) => (t ? new Date(t).toISOString().replace("T", " ").replace("Z", "") : "");
  const fmtMs = (ms) => (ms ? new Date(Number(ms)).toISOString().replace("T", " ").replace("Z", "") : "");

  // ---- Overview
  async function overview() {
    const ov = await api("overview");
    const out = [h("h2", {}, "Overview ", h("span", { class: "muted" }, ov.account + " / " + ov.region))];
    if (ov.errors) out.push(h("p", { class: "empty" }, "Not listed: " + JSON.stringify(ov.errors)));
    out.push(h("h2", {}, "Kinesis streams"), table(["Stream", "Status", "Shards", "Consumers"],
      ov.kinesisStreams.map((s) => h("tr", {}, h("td", {}, s.name), h("td", {}, badge(s.status)), h("td", { class: "num" }, s.openShards), h("td", { class: "num" }, s.consumers)))));
    out.push(h("h2", {}, "SQS queues"), table(["Queue", "Visible", "In flight", "Delayed", "Dead-letter"],
      ov.sqsQueues.map((q) => {
        const n = q.visible + q.inFlight + q.delayed;
        return h("tr", { class: q.deadLetter && n > 0 ? "dlq-nonempty" : "", "data-queue": q.name },
          h("td", {}, q.deadLetter ? h("a", { href: "#dlq/" + enc(q.name) }, q.name) : q.name, " ", q.deadLetter ? badge("DLQ", "dlq") : ""),
          h("td", { class: "num" }, q.visible), h("td", { class: "num" }, q.inFlight), h("td", { class: "num" }, q.delayed),
          h("td", {}, q.deadLetterTarget ? "→ " + tail(q.deadLetterTarget) + " after " + q.maxReceiveCount : ""));
      })));
    out.push(h("h2", {}, "SNS topics"), table(["Topic", "Subscriptions"],
      ov.snsTopics.map((t) => h("tr", {}, h("td", {}, t.name), h("td", {}, t.subscriptions.length ? t.subscriptions.map((s) => h("div", {}, s.Protocol + ": " + s.Endpoint)) : h("span", { class: "muted" }, "none"))))));
    out.push(h("h2", {}, "EventBridge buses"), table(["Bus", "Rule", "State", "Targets"],
      ov.eventBuses.flatMap((b) => (b.rules.length ? b.rules : [null]).map((r) => h("tr", {}, h("td", {}, b.name), h("td", {}, r ? r.name : ""), h("td", {}, r ? badge(r.state) : ""), h("td", { class: "num" }, r ? r.targets : ""))))));
    out.push(h("h2", {}, "Lambda functions"), table(["Function", "Runtime"],
      ov.lambdaFunctions.map((f) => h("tr", {}, h("td", {}, h("a", { href: "#lambda/" + enc(f.name) }, f.name)), h("td", {}, f.runtime)))));
    out.push(h("h2", {}, "Event source mappings"), table(["Source", "Function", "Batch", "State"],
      ov.eventSourceMappings.map((m) => h("tr", {}, h("td", {}, tail(m.source)), h("td", {}, tail(m.function)), h("td", { class: "num" }, m.batchSize), h("td", {}, badge(m.state))))));
    out.push(h("h2", {}, "Glue registries"), table(["Registry", "Schemas", "Versions"],
      ov.glueRegistries.map((r) => h("tr", {}, h("td", {}, h("a", { href: "#schemas" }, r.name)), h("td", { class: "num" }, r.schemas.length), h("td", { class: "num" }, r.schemas.reduce((n, s) => n + s.versions.length, 0))))));
    return out;
  }

  // ---- Schema registry
  async function schemas() {
    const [tree, disc, viol] = await Promise.all([api("glue/registries"), api("schemas/discovered").catch(() => ({ versions: [] })), api("guard/violations").catch(() => ({}))]);
    const diffOut = h("div", { id: "diff" });
    const findOut = h("div", { id: "findings" });
    const out = [h("h2", {}, "Glue Schema Registry")];
    for (const reg of tree.registries) {
      out.push(h("h3", {}, reg.name));
      if (!reg.schemas.length) out.push(h("p", { class: "empty" }, "no schemas"));
      for (const s of reg.schemas) {
        const name = reg.name + "/" + s.name;
        const rows = s.versions.map((v) => h("tr", { "data-version": v.number },
          h("td", { class: "num" }, v.number), h("td", {}, badge(v.status)), h("td", {}, h("code", {}, v.id)), h("td", {}, v.created || ""),
          h("td", {}, h("input", { type: "radio", name: "from-" + name, value: v.id, "aria-label": "diff from " + v.number, "data-from": v.number })),
          h("td", {}, h("input", { type: "radio", name: "to-" + name, value: v.id, "aria-label": "diff to " + v.number, "data-to": v.number })),
          h("td", {}, v.status === "FAILURE" ? h("button", { class: "findings-btn", onclick: () => showFindings(v.id, findOut) }, "Why FAILURE") : "")));
        out.push(h("div", { class: "schema", "data-schema": name }, h("h4", {}, s.name),
          table(["#", "Status", "Version id", "Created", "From", "To", ""], rows),
          s.versions.length > 1 ? h("button", { class: "diff-btn", onclick: (ev) => {
            const box = ev.target.closest(".schema");
            const a = box.querySelector('input[name="from-' + CSS.escape(name) + '"]:checked');
            const b = box.querySelector('input[name="to-' + CSS.escape(name) + '"]:checked');
            if (!a || !b) { say("Pick a From and a To version to compare.", "error"); return; }
            showDiff(a.value, b.value, diffOut);
          } }, "Compare selected versions") : ""));
      }
    }
    if (!tree.registries.length) out.push(h("p", { class: "empty" }, "no registries"));
    out.push(findOut, diffOut);
    out.push(h("h2", {}, "EventBridge discovered schemas"), table(["Schema", "Version", "Previous", "Backward", "Forward", "Fields", "Findings"],
      (disc.versions || []).map((d) => h("tr", { class: "discovered" }, h("td", {}, d.schema), h("td", {}, d.version), h("td", {}, d.previousVersion || ""),
        h("td", {}, badge(d.backwardCompatible ? "compatible" : "incompatible", d.backwardCompatible ? "ok" : "error")),
        h("td", {}, badge(d.forwardCompatible ? "compatible" : "incompatible", d.forwardCompatible ? "ok" : "error")),
        h("td", {}, (d.fields || []).join(", ")),
        h("td", {}, [...(d.backwardFindings || []), ...(d.forwardFindings || [])].map((f) => h("div", {}, f.message || JSON.stringify(f)))))), "nothing discovered"));
    const vs = viol.violations || [];
    out.push(h("h2", {}, "Schema guard violations"), table(["Time", "Resource", "Operation", "Schema", "Reason"],
      vs.map((v) => h("tr", { class: "violation" }, h("td", {}, fmtTime(v.time)), h("td", {}, tail(v.resource)), h("td", {}, v.operation || ""),
        h("td", {}, v.schema + (v.version ? " v" + v.version : "")), h("td", {}, v.reason))), "no violations"));
    return out;
  }
  async function showFindings(id, box) {
    const rep = await api("glue/schema-versions/" + enc(id)).catch((e) => ({ error: e.message }));
    box.replaceChildren(h("h3", {}, "Version " + (rep.versionNumber || "") + " " + (rep.status || "")),
      rep.error ? h("p", { class: "empty" }, rep.error) :
        h("ul", { class: "findings" }, (rep.findings || []).map((f) => h("li", {}, f.explanation || f.message || JSON.stringify(f)))));
  }
  async function showDiff(from, to, box) {
    const d = await api("glue/diff", { query: { from, to } });
    const cells = [];
    for (const l of d.lines) {
      const left = l.op === "+" ? "" : l.text, right = l.op === "-" ? "" : l.text;
      cells.push(h("div", { class: "ln" }, l.left || ""), h("div", { class: l.op === "-" ? "del" : "" }, left),
        h("div", { class: "ln" }, l.right || ""), h("div", { class: l.op === "+" ? "add" : "" }, right));
    }
    box.replaceChildren(h("h3", {}, "Version " + d.from.number + " → version " + d.to.number),
      h("p", { class: "muted" }, d.lines.filter((l) => l.op === "-").length + " removed, " + d.lines.filter((l) => l.op === "+").length + " added"),
      h("div", { class: "diff" }, cells));
  }

  // ---- DLQs
  async function dlq(name) {
    const ov = await api("overview");
    const dlqs = ov.sqsQueues.filter((q) => q.deadLetter);
    const out = [h("h2", {}, "Dead-letter queues"), table(["Queue", "Visible", "In flight", "Delayed", "Sources"],
      dlqs.map((q) => h("tr", { class: q.visible + q.inFlight + q.delayed > 0 ? "dlq-nonempty" : "" },
        h("td", {}, h("a", { href: "#dlq/" + enc(q.name) }, q.name)), h("td", { class: "num" }, q.visible), h("td", { class: "num" }, q.inFlight), h("td", { class: "num" }, q.delayed),
        h("td", {}, (q.sources || []).map(tail).join(", ")))), "no queue is a dead-letter queue")];
    if (!name) return out;
    const peek = await api("sqs/queues/" + enc(name) + "/peek");
    const result = h("div", { id: "dlq-result" });
    const confirmBox = h("span", {});
    out.push(h("h2", {}, "Messages in " + name + " ", h("span", { class: "muted", id: "peek-total" }, peek.total + " message(s)")),
      h("div", { class: "inline" },
        h("button", { id: "redrive", onclick: async () => {
          try { const r = await api("sqs/queues/" + enc(name) + "/redrive", { method: "POST", body: {} }); say("Redrive started: " + r.taskHandle, "ok"); result.textContent = "Redrive task " + r.taskHandle; setTimeout(route, 300); } catch (e) { say(e.message, "error"); }
        } }, "Redrive to source"),
        h("button", { id: "purge", class: "danger", onclick: () => {
          confirmBox.replaceChildren("Delete every message of " + name + "? ",
            h("button", { id: "purge-confirm", class: "danger", onclick: async () => {
              try { await api("sqs/queues/" + enc(name) + "/purge", { method: "POST", body: {} }); say("Purged " + name, "ok"); route(); } catch (e) { say(e.message, "error"); }
            } }, "Yes, purge"),
            h("button", { onclick: () => confirmBox.replaceChildren() }, "Cancel"));
        } }, "Purge…"), confirmBox),
      result,
      table(["Message id", "State", "Receives", "Sent", "First received", "From", "Attributes", "Body"],
        peek.messages.map((m) => h("tr", { class: "msg" }, h("td", {}, h("code", {}, m.messageId)), h("td", {}, badge(m.state)),
          h("td", { class: "num" }, m.attributes.ApproximateReceiveCount), h("td", {}, fmtMs(m.attributes.SentTimestamp)),
          h("td", {}, fmtMs(m.attributes.ApproximateFirstReceiveTimestamp)),
          h("td", {}, tail(m.attributes.DeadLetterQueueSourceArn)),
          h("td", {}, Object.entries(m.messageAttributes || {}).map(([k, v]) => h("div", {}, k + " = " + (v.StringValue !== undefined ? v.StringValue : "(" + v.DataType + ")"))),
            ["MessageGroupId", "AWSTraceHeader"].filter((k) => m.attributes[k]).map((k) => h("div", { class: "muted" }, k + " = " + m.attributes[k]))),
          h("td", {}, h("pre", {}, m.body)))), "the queue is empty"));
    return out;
  }

  // ---- Lambda
  function batchSize(ev) {
    try { const j = JSON.parse(ev); return Array.isArray(j.Records) ? j.Records.length : ""; } catch (e) { return ""; }
  }
  async function lambdaPage(name) {
    const ov = await api("overview");
    const out = [h("h2", {}, "Lambda functions"), h("p", {}, ov.lambdaFunctions.length ? ov.lambdaFunctions.map((f) => [h("a", { href: "#lambda/" + enc(f.name) }, f.name), " "]) : h("span", { class: "empty" }, "no functions"))];
    if (!name) return out;
    const inv = (await api("lambda/functions/" + enc(name) + "/invocations")).invocations || [];
    // Bars sit on one time axis from the first start to the last end; on a
    // frozen clock (no span) they compare durations instead.
    const t0 = Math.min(...inv.map((i) => Date.parse(i.start)));
    const span = Math.max(...inv.map((i) => Date.parse(i.end))) - t0;
    const maxDur = Math.max(1, ...inv.map((i) => i.durationNanos || 0));
    const pct = (x) => Math.min(100, Math.max(0, x)).toFixed(2) + "%";
    const place = (i) => span > 0
      ? { marginLeft: pct((100 * (Date.parse(i.start) - t0)) / span), width: pct(Math.max(0.5, (100 * (Date.parse(i.end) - Date.parse(i.start))) / span)) }
      : { width: pct(Math.max(1, (100 * (i.durationNanos || 0)) / maxDur)) };
    const rows = [];
    let prevBatch = null, prevFailed = false;
    inv.forEach((i) => {
      const outcome = i.throttled ? "throttled" : i.functionError ? "error" : "ok";
      // The record says the batch size and whether the batch is a bisected
      // half (records from before they did: guessed from the events).
      const b = i.batchSize || batchSize(i.event);
      const bisect = i.bisected || (i.batchSize === undefined && i.trigger === "ESM" && prevFailed && b !== "" && prevBatch !== null && b < prevBatch);
      const ms = ((i.durationNanos || 0) / 1e6).toFixed(1);
      const detail = h("tr", { class: "row-detail", hidden: true }, h("td", { colspan: 8 }, h("div", { class: "cols" },
        h("div", {}, h("strong", {}, "Event"), h("pre", {}, i.event)), h("div", {}, h("strong", {}, "Result"), h("pre", {}, i.errorMessage ? i.errorType + ": " + i.errorMessage + "\n" + (i.response || "") : i.response || "")))));
      rows.push(h("tr", { class: "inv", onclick: () => { detail.hidden = !detail.hidden; } },
        h("td", {}, fmtTime(i.start)), h("td", {}, i.trigger), h("td", { class: "num" }, i.attempt), h("td", { class: "num" }, b),
        h("td", {}, badge(outcome), bisect ? " " : "", bisect ? badge("bisect", "PENDING") : "", i.attempt > 1 ? " " : "", i.attempt > 1 ? badge("retry", "PENDING") : ""),
        h("td", { class: "num" }, ms), h("td", { class: "bar-cell" }, h("div", { class: "bar " + outcome, style: place(i) })),
        h("td", {}, i.fault ? "fault " + i.fault : "")), detail);
      if (b !== "") { prevBatch = b; prevFailed = outcome !== "ok"; }
    });
    out.push(h("h2", {}, "Invocations of " + name), table(["Start", "Trigger", "Attempt", "Batch", "Outcome", "ms", "Timeline", ""], rows, "no invocations yet"));
    return out;
  }

  // ---- Clock & faults
  async function clockPage() {
    const [c, f, log] = await Promise.all([api("clock"), api("faults").catch(() => ({ rules: [] })), api("faults/log").catch(() => ({ fired: [] }))]);
    const adv = h("input", { id: "advance", value: "60s", size: 8 });
    const scl = h("input", { id: "scale", value: String(c.scale), size: 5 });
    const rule = h("textarea", { id: "rule", rows: 4 }, '{"service":"sqs","operation":"SendMessage","status":500,"count":1}');
    const act = (fn) => async () => { try { await fn(); route(); } catch (e) { say(e.message, "error"); } };
    return [h("h2", {}, "Clock"), h("p", {}, "Virtual time ", h("strong", { id: "now" }, fmtTime(c.now)), ", scale ", h("strong", { id: "cur-scale" }, c.scale)),
      h("div", { class: "inline" }, "Advance by", adv, h("button", { id: "advance-btn", onclick: act(() => api("clock", { method: "POST", body: { advance: adv.value } })) }, "Advance"),
        "Scale", scl, h("button", { id: "scale-btn", onclick: act(() => api("clock", { method: "POST", body: { scale: Number(scl.value) } })) }, "Set scale")),
      h("h2", {}, "Fault rules"), table(["Id", "Service", "Operation", "Resource", "Effect", "Matched", "Fired", ""],
        (f.rules || []).map((r) => h("tr", { class: "rule" }, h("td", {}, r.id), h("td", {}, r.service), h("td", {}, r.operation || "*"), h("td", {}, r.resource || "*"),
          h("td", {}, r.error || r.status || r.lambda || (r.latency ? "latency" : "") || (r.reset ? "reset" : "")), h("td", { class: "num" }, r.matched), h("td", { class: "num" }, r.fired),
          h("td", {}, h("button", { class: "danger", onclick: act(() => api("faults/" + enc(r.id), { method: "DELETE" })) }, "Remove")))), "no fault rules"),
      h("p", {}, "Add a rule (JSON, as POST /_evolvestack/faults takes it):"), rule,
      h("div", { class: "inline" }, h("button", { id: "add-rule", onclick: act(() => api("faults", { method: "POST", body: rule.value })) }, "Add rule"),
        h("button", { id: "clear-rules", class: "danger", onclick: act(() => api("faults", { method: "DELETE" })) }, "Clear all rules")),
      h("h2", {}, "Faults fired"), table(["Time", "Rule", "Service", "Operation", "Resource", "Fault"],
        (log.fired || []).slice(-200).reverse().map((x) => h("tr", {}, h("td", {}, fmtTime(x.time)), h("td", {}, x.rule), h("td", {}, x.service), h("td", {}, x.operation), h("td", {}, tail(x.resource)), h("td", {}, x.fault))), "none fired")];
  }

  // ---- Live tail (server-sent events from GET /_evolvestack/tail)
  let stream = null;
  function stopTail() { if (stream) { stream.close(); stream = null; } }
  async function tailPage() {
    const f = { service: h("input", { id: "tail-service", placeholder: "sqs,kinesis", size: 14 }), operation: h("input", { id: "tail-operation", placeholder: "SendMessage", size: 14 }),
      kind: h("select", { id: "tail-kind" }, h("option", { value: "" }, "everything"), h("option", { value: "call" }, "calls"), h("option", { value: "delivery" }, "deliveries"), h("option", { value: "invocation" }, "invocations"), h("option", { value: "fault" }, "faults")),
      errors: h("input", { id: "tail-errors", type: "checkbox" }) };
    const body = h("tbody", { id: "tail-rows" });
    const count = h("span", { class: "muted", id: "tail-state" }, "connecting…");
    let paused = false;
    const start = () => {
      stopTail();
      body.replaceChildren();
      const q = new URLSearchParams();
      if (f.service.value.trim()) q.set("service", f.service.value.trim());
      if (f.operation.value.trim()) q.set("operation", f.operation.value.trim());
      if (f.kind.value) q.set("kind", f.kind.value);
      if (f.errors.checked) q.set("errors", "1");
      if (scope.account) q.set("account", scope.account);
      if (scope.region) q.set("region", scope.region);
      stream = new EventSource(ADMIN + "tail?" + q.toString());
      stream.onopen = () => { count.textContent = "live"; };
      stream.onerror = () => { count.textContent = "reconnecting…"; };
      const add = (m) => {
        if (paused) return;
        const ev = JSON.parse(m.data);
        const bad = ev.kind === "fault" || ev.status >= 400;
        body.prepend(h("tr", { class: "tail-row" + (bad ? " dlq-nonempty" : ""), "data-kind": ev.kind },
          h("td", {}, fmtTime(ev.time)), h("td", {}, badge(ev.kind, ev.kind === "fault" ? "error" : "")), h("td", {}, ev.service), h("td", {}, ev.operation),
          h("td", {}, ev.resource ? tail(ev.resource) : ""), h("td", { class: "num" }, ev.status || ""), h("td", { class: "num" }, ev.micros ? (ev.micros / 1000).toFixed(2) : ""),
          h("td", {}, ev.detail || ""), h("td", { class: "muted" }, ev.account ? ev.account + "/" + ev.region : "")));
        while (body.children.length > 500) body.lastChild.remove();
      };
      for (const kind of ["call", "fault", "delivery", "invocation"]) stream.addEventListener(kind, add);
    };
    for (const el of Object.values(f)) el.addEventListener("change", start);
    start();
    return [h("h2", {}, "Live tail ", count),
      h("div", { class: "inline" }, "Service", f.service, "Operation", f.operation, f.kind, h("label", {}, f.errors, " errors and faults only"),
        h("button", { id: "tail-pause", onclick: (ev) => { paused = !paused; ev.target.textContent = paused ? "Resume" : "Pause"; } }, "Pause"),
        h("button", { onclick: () => body.replaceChildren() }, "Clear")),
      h("table", {}, h("thead", {}, h("tr", {}, ["Time", "Kind", "Service", "Operation", "Resource", "Status", "ms", "Detail", "Scope"].map((x) => h("th", {}, x)))), body)];
  }

  const pages = { overview, schemas, dlq, lambda: lambdaPage, tail: tailPage, clock: clockPage };
  let seq = 0;
  async function route() {
    const [page, arg] = (location.hash.slice(1) || "overview").split("/");
    const fn = pages[page] || overview;
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === page);
    const mine = ++seq;
    if (page !== "tail") stopTail();
    try {
      const kids = await fn(arg ? decodeURIComponent(arg) : "");
      if (mine !== seq) return;
      main.replaceChildren(...kids);
      main.dataset.page = page;
      document.body.dataset.ready = String(mine);
    } catch (e) {
      if (mine !== seq) return;
      main.replaceChildren(h("p", { class: "empty" }, e.message));
      say(e.message, "error");
    }
  }
  document.getElementById("scope").addEventListener("submit", (ev) => {
    ev.preventDefault();
    scope.account = document.getElementById("account").value.trim();
    scope.region = document.getElementById("region").value.trim();
    say("");
    route();
  });
  window.addEventListener("hashchange", () => { say(""); route(); });
  route();
})();
