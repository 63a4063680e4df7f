// Small behaviours that htmx does not cover: copy (with a toast), confirm, the customer picker,
// paste to fill.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

document.addEventListener("click", async (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const source = document.querySelector(copy.dataset.copy);
    if (source) {
      const copied = await copyText(source);
      copy.classList.toggle("done", copied);
      const toast = document.getElementById("toast");
      showToast(copied ? toast.dataset.copied : toast.dataset.copyFailed, !copied);
    }
    return;
  }
  const pick = event.target.closest("[data-pick-id]");
  if (pick) {
    document.getElementById("id_referrer").value = pick.dataset.pickId;
    document.getElementById("referrer-label").textContent = pick.dataset.pickLabel;
    document.getElementById("referrer-results").innerHTML = "";
    document.getElementById("referrer-search").value = "";
    document.getElementById("referrer-clear").hidden = false;
    return;
  }
  if (event.target.id === "referrer-clear") {
    document.getElementById("id_referrer").value = "";
    document.getElementById("referrer-label").textContent = "";
    event.target.hidden = true;
    return;
  }
  if (event.target.id === "paste-fill") {
    pasteToFill(event.target);
  }
});

// Copies what the seller sees in `source` (a textarea's value as edited, or an element's text).
// navigator.clipboard exists only on HTTPS and localhost: on a shop's plain-HTTP install, or
// when it refuses, the text is selected and copied with execCommand("copy"). On failure the
// text stays selected, for the seller to long-press and copy by hand.
async function copyText(source) {
  const isField = "value" in source;
  const text = isField ? source.value : source.textContent.trim();
  if (navigator.clipboard && navigator.clipboard.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_err) {
      // Refused (no permission, no focus): the selection below still works.
    }
  }
  if (isField) {
    // Read-only while selecting, so that a phone does not open its keyboard.
    const readOnly = source.readOnly;
    source.readOnly = true;
    source.focus();
    source.select();
    source.setSelectionRange(0, source.value.length);
    source.readOnly = readOnly;
  } else {
    window.getSelection().selectAllChildren(source);
  }
  try {
    return document.execCommand("copy");
  } catch (_err) {
    return false;
  }
}

let toastTimer = 0;

// The toast is a live region that is always there: setting its text shows and announces it,
// emptying it hides it again.
function showToast(text, failed) {
  const toast = document.getElementById("toast");
  toast.textContent = text;
  toast.classList.toggle("failed", failed);
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => { toast.textContent = ""; }, failed ? 6000 : 2500);
}

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// A message box is as tall as its text, when the page loads and while the seller edits it.
function fitMessages(areas) {
  areas.forEach((area) => { area.style.height = "0"; });
  const heights = areas.map((area) => area.scrollHeight + area.offsetHeight - area.clientHeight);
  areas.forEach((area, i) => { area.style.height = `${heights[i]}px`; });
}

document.addEventListener("DOMContentLoaded", () => {
  fitMessages([...document.querySelectorAll("textarea.msgtext")]);
});
document.addEventListener("input", (event) => {
  if (event.target.matches("textarea.msgtext")) fitMessages([event.target]);
});

// Enter in the picker's search box must not submit the customer form.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.id === "referrer-search") {
    event.preventDefault();
  }
});

async function pasteToFill(button) {
  const text = document.getElementById("paste-text").value.trim();
  const result = document.getElementById("paste-result");
  if (!text) {
    result.textContent = button.dataset.msgEmpty;
    return;
  }
  button.disabled = true;
  try {
    const response = await fetch(button.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ text }),
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw new Error(String(response.status));
    }
    const data = await response.json();
    const filled = [];
    const set = (name, value) => {
      const input = document.querySelector(`.customer-form [name="${name}"]`);
      if (input && value) {
        input.value = value;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        filled.push(name);
      }
    };
    set("name", data.name);
    const nickname = document.querySelector('.customer-form [name="nickname"]');
    if (nickname && !nickname.value) {
      set("nickname", data.name);
    }
    set("phone", data.phone);
    set("province", data.province);
    set("city", data.city);
    set("district", data.district);
    set("address", data.address);
    result.textContent = filled.length
      ? button.dataset.msgFilled.replace("{n}", String(filled.length))
      : button.dataset.msgNone;
  } catch (_err) {
    result.textContent = button.dataset.msgFailed;
  } finally {
    button.disabled = false;
  }
}

// A box that scrolls sideways (the analyses' tabs, a wide table) says where there is more to
// see: .more-left and .more-right fade that edge (app.css). The current tab is scrolled into
// view, so that the page one is on is never hidden at the end of the row.
function markScrollEdges(box) {
  const more = box.scrollWidth - box.clientWidth;
  box.classList.toggle("more-left", box.scrollLeft > 1);
  box.classList.toggle("more-right", box.scrollLeft < more - 1);
}

function watchScrollers(root) {
  root.querySelectorAll(".subtabs, .scroll").forEach((box) => {
    if (box.dataset.edges) return;
    box.dataset.edges = "1";
    const current = box.querySelector("[aria-current]");
    if (current && current.offsetLeft + current.offsetWidth > box.clientWidth) {
      box.scrollLeft = current.offsetLeft - box.clientWidth / 2 + current.offsetWidth / 2;
    }
    markScrollEdges(box);
    box.addEventListener("scroll", () => markScrollEdges(box), { passive: true });
    new ResizeObserver(() => markScrollEdges(box)).observe(box);
  });
}

document.addEventListener("DOMContentLoaded", () => watchScrollers(document));
document.addEventListener("htmx:afterSettle", (event) => watchScrollers(event.target));

// The birthday: with the lunar calendar chosen, the month and day options read 正月…腊月 and
// 初一…三十 (day 31 is hidden), and the leap-month box shows; with the solar one, 1–12 and 1–31.
function showBirthdayCalendar(box) {
  const calendar = box.querySelector('select[name="birthday_calendar"]');
  if (!calendar) return;
  const lunar = calendar.value === "lunar";
  for (const option of box.querySelectorAll("option[data-lunar]")) {
    option.textContent = lunar ? option.dataset.lunar : option.dataset.solar;
  }
  const day = box.querySelector('select[name="birthday_day"]');
  const day31 = day && day.querySelector('option[value="31"]');
  if (day31) {
    day31.hidden = day31.disabled = lunar;
    if (lunar && day.value === "31") day.value = "";
  }
  for (const only of box.querySelectorAll("[data-lunar-only]")) {
    only.hidden = !lunar;
    const leap = only.querySelector("input[type=checkbox]");
    if (leap && !lunar) leap.checked = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("[data-birthday]")) showBirthdayCalendar(box);
});
document.addEventListener("change", (event) => {
  const box = event.target.closest("[data-birthday]");
  if (box && event.target.name === "birthday_calendar") showBirthdayCalendar(box);
});

// The folded tag chips of the customer form say how many are chosen.
document.addEventListener("change", (event) => {
  const fold = event.target.closest('[data-fold="tags"]');
  if (!fold) return;
  const count = fold.querySelector("[data-chosen-count]");
  const chosen = fold.querySelectorAll('input[name="tags"]:checked').length;
  if (count) count.textContent = count.dataset.template.replace("{n}", chosen);
});


// The order form: lines added from the formset's empty form and removed by ticking their
// DELETE (the server skips those), and a running total of what the lines, the retail prices
// of the products chosen and the discount come to. The server computes the order's total
// again when it is saved: this one only shows the seller the figure before they save.
function cents(value) {
  const number = Number.parseFloat(String(value).replace(",", "."));
  return Number.isFinite(number) && number >= 0 ? Math.round(number * 100) : null;
}

function updateOrderTotal(form) {
  let sum = 0;
  for (const line of form.querySelectorAll("[data-line]")) {
    if (line.hidden) continue;
    const product = line.querySelector("select");
    const option = product && product.selectedOptions[0];
    if (!option || !option.value) continue;
    const quantity = Number.parseInt(line.querySelector('input[name$="-quantity"]').value, 10);
    const price = line.querySelector('input[name$="-unit_price"]');
    const each = price.value.trim() === "" ? cents(option.dataset.price) : cents(price.value);
    price.placeholder = option.dataset.price || "";
    if (Number.isInteger(quantity) && quantity > 0 && each !== null) sum += quantity * each;
  }
  const discount = form.querySelector('input[name="discount"]');
  const off = discount ? cents(discount.value) || 0 : 0;
  const total = Math.max(sum - off, 0);
  const output = form.querySelector("#order-total");
  output.value = `¥${(total / 100).toFixed(2)}`;
  output.textContent = output.value;
}

function enhanceLine(line) {
  const tick = line.querySelector('input[name$="-DELETE"]');
  const remove = line.querySelector("[data-line-remove]");
  if (!tick || !remove) return;
  tick.closest("label").hidden = true;
  remove.hidden = false;
  line.hidden = tick.checked;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("[data-order-form]")) {
    form.querySelectorAll("[data-line]").forEach(enhanceLine);
    form.querySelector("[data-line-add]").hidden = false;
    form.querySelector("[data-order-total]").hidden = false;
    updateOrderTotal(form);
  }
});

document.addEventListener("click", (event) => {
  const form = event.target.closest("[data-order-form]");
  if (!form) return;
  if (event.target.closest("[data-line-add]")) {
    const count = form.querySelector('input[name="lines-TOTAL_FORMS"]');
    const most = Number.parseInt(form.querySelector('input[name="lines-MAX_NUM_FORMS"]').value, 10);
    const index = Number.parseInt(count.value, 10);
    if (index >= most) return;
    const html = document.getElementById("line-template").innerHTML.replaceAll("__prefix__", index);
    const box = document.getElementById("order-lines");
    box.insertAdjacentHTML("beforeend", html);
    count.value = String(index + 1);
    const line = box.lastElementChild;
    enhanceLine(line);
    line.querySelector("select").focus();
    updateOrderTotal(form);
    return;
  }
  const remove = event.target.closest("[data-line-remove]");
  if (remove) {
    const line = remove.closest("[data-line]");
    line.querySelector('input[name$="-DELETE"]').checked = true;
    line.hidden = true;
    updateOrderTotal(form);
  }
});

for (const kind of ["input", "change"]) {
  document.addEventListener(kind, (event) => {
    const form = event.target.closest("[data-order-form]");
    if (form) updateOrderTotal(form);
  });
}

// An import's progress bar, polled every second, only moves forward: an answer that arrives
// late, or from a later step counting again, never sends it back.
const jobBarBest = new Map();
function holdJobBar() {
  const box = document.getElementById("job-progress");
  const bar = box && box.querySelector("progress.jobbar");
  if (!bar || !bar.hasAttribute("value")) return;
  const key = box.getAttribute("hx-get");
  const best = Math.max(jobBarBest.get(key) || 0, Number(bar.value) || 0);
  jobBarBest.set(key, best);
  bar.value = best;
  bar.textContent = `${best}%`;
}
document.addEventListener("DOMContentLoaded", holdJobBar);
document.addEventListener("htmx:afterSettle", holdJobBar);

// The workbench's done, skip and snooze post in the background: the card gives way to a short
// row with 撤销 where it stood, a toast offers the undo too, and the page stays where it was.
// Without JavaScript the same forms post and come back to the batch (#batch).
async function postForm(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    body,
    credentials: "same-origin",
  });
  let data = {};
  try {
    data = await response.json();
  } catch (_err) {
    // Not JSON (a login page after the session ended): said below.
  }
  return { ok: response.ok, data };
}

// How many items of the batch were handled in place: the list on the server is that much
// shorter, so the next five begin that many items earlier.
function updateNextBatch(section) {
  const handled = section.querySelectorAll("article.todo[hidden]").length;
  const cards = section.querySelectorAll("article.todo").length;
  const start = Number(section.dataset.start || 0);
  const size = cards;
  for (const link of section.querySelectorAll(".batchnav .next, [data-next-batch]")) {
    const url = new URL(link.href, window.location.href);
    url.searchParams.delete("batch");
    url.searchParams.set("from", String(Math.max(start + size - handled, 0)));
    link.href = url.toString();
  }
  const done = section.querySelector(".batchdone");
  if (done) done.hidden = handled < cards;
}

// The counter of what is left today follows the cards handled in place.
function countLeft(change) {
  const left = document.querySelector(".counter strong");
  if (left && /^\d+$/.test(left.textContent)) {
    left.textContent = String(Math.max(Number(left.textContent) + change, 0));
  }
}

function settledRow(card, label, undoUrl, undoLabel) {
  const row = document.createElement("div");
  row.className = "settled";
  row.dataset.for = card.id;
  const text = document.createElement("span");
  text.textContent = `${card.dataset.name} · ${label}`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "undo";
  button.dataset.undo = undoUrl;
  button.textContent = `↶ ${undoLabel}`;
  row.append(text, button);
  return row;
}

function showUndoToast(text, undoUrl, undoLabel) {
  const toast = document.getElementById("toast");
  toast.textContent = "";
  toast.classList.remove("failed");
  const span = document.createElement("span");
  span.textContent = text;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "undo";
  button.dataset.undo = undoUrl;
  button.textContent = undoLabel;
  toast.append(span, " ", button);
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => { toast.textContent = ""; }, 6000);
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-settle]");
  if (!form || event.defaultPrevented || form.dataset.plain) return;
  const card = form.closest("article.todo");
  if (!card || !window.fetch) return;
  event.preventDefault();
  const body = new FormData(form);
  if (event.submitter && event.submitter.name) {
    body.append(event.submitter.name, event.submitter.value);
  }
  const buttons = card.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const { ok, data } = await postForm(form.action, body);
    if (!data.detail) {
      // Not the page's answer (the session ended: a login page, a refused form): the plain
      // form gets the server's own page, which says why.
      form.dataset.plain = "1";
      buttons.forEach((b) => { b.disabled = false; });
      form.requestSubmit(event.submitter || undefined);
      return;
    }
    if (!ok) {
      showToast(data.detail || document.getElementById("toast").dataset.failed || "", true);
      return;
    }
    const menu = card.querySelector("details[open]");
    if (menu) menu.open = false;
    card.hidden = true;
    card.after(settledRow(card, data.label, data.undo_url, data.undo_label));
    showUndoToast(data.detail, data.undo_url, data.undo_label);
    countLeft(-1);
    updateNextBatch(card.closest("section.batch"));
  } catch (_err) {
    showToast(document.getElementById("toast").dataset.failed || "", true);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-undo]");
  if (!button) return;
  event.preventDefault();
  const url = button.dataset.undo;
  button.disabled = true;
  try {
    const { ok, data } = await postForm(url, new FormData());
    if (!ok || !data.detail) {
      showToast(data.detail || document.getElementById("toast").dataset.failed || "", true);
      return;
    }
    for (const other of document.querySelectorAll(`button[data-undo="${url}"]`)) {
      const row = other.closest(".settled");
      if (row) {
        const card = document.getElementById(row.dataset.for);
        row.remove();
        if (card) {
          card.hidden = false;
          countLeft(1);
          updateNextBatch(card.closest("section.batch"));
        }
      }
    }
    showToast(data.detail, false);
  } catch (_err) {
    showToast(document.getElementById("toast").dataset.failed || "", true);
  } finally {
    button.disabled = false;
  }
});

// The backlog's "all on this page" box ticks or clears every item's box.
document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-check-all]");
  if (!all) return;
  const form = all.closest("form");
  for (const box of form.querySelectorAll(`input[name="${all.dataset.checkAll}"]`)) {
    box.checked = all.checked;
  }
});
