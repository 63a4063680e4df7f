// Small behaviours that htmx does not cover: copy, confirm, the customer picker, paste to fill.
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
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        copy.classList.add("done");
      } catch (_err) {
        window.getSelection().selectAllChildren(source);
      }
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

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

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
