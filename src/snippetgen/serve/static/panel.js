// The reference panel's behaviour: tabs (WAI-ARIA tabs pattern), copy, rotate, chat.
// The page never holds a real key: copy buttons ask the service for the copied
// text on click, and the chat goes through the service, which streams the reply
// from the deployment's generate_stream as it is generated.
"use strict";

(() => {
  document.documentElement.classList.replace("no-js", "js");

  // Requests with this header cannot come from another site's form or image tag.
  const PAGE_HEADER = { "X-Snippetgen-Page": "1" };
  const profile = document.body.dataset.profile || "documented";
  // The path the service is served under ("" at the root of its host).
  const base = document.body.dataset.base || "";
  const announcer = document.getElementById("announce");

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 50);
  }

  async function call(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      headers: { ...PAGE_HEADER, ...(options.headers || {}) },
      cache: "no-store",
      credentials: "same-origin",
    });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
      throw new Error(detail);
    }
    return body;
  }

  function rowPath(row, rest = "") {
    return `${base}/page/rows/${encodeURIComponent(row)}${rest}`;
  }

  // ------------------------------------------------------------ tabs

  function tabsOf(tablist) {
    return Array.from(tablist.querySelectorAll(":scope > [role=tab]"));
  }

  function select(tab, focus) {
    const tablist = tab.closest("[role=tablist]");
    for (const other of tabsOf(tablist)) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !selected;
    }
    if (focus) tab.focus();
  }

  function onTabKey(event) {
    const tab = event.target.closest("[role=tab]");
    if (!tab) return;
    const tabs = tabsOf(tab.closest("[role=tablist]"));
    const index = tabs.indexOf(tab);
    let next = null;
    if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
    else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    if (next) {
      event.preventDefault();
      select(next, true);
    }
  }

  function initTabs(root) {
    for (const tablist of root.querySelectorAll("[role=tablist]")) {
      const tabs = tabsOf(tablist);
      const chosen = tabs.find((t) => t.getAttribute("aria-selected") === "true") || tabs[0];
      if (chosen) select(chosen, false);
      tablist.addEventListener("click", (event) => {
        const tab = event.target.closest("[role=tab]");
        if (tab && tabsOf(tablist).includes(tab)) select(tab, false);
      });
      tablist.addEventListener("keydown", onTabKey);
    }
  }

  // ------------------------------------------------------------ copy

  // The clipboard write starts inside the click, with the text still on its way:
  // browsers that want a user gesture for it (Safari) accept a promised item.
  function writeClipboard(textPromise) {
    if (!navigator.clipboard) {
      return Promise.reject(new Error("the clipboard needs https or localhost"));
    }
    if (window.ClipboardItem && navigator.clipboard.write) {
      const blob = textPromise.then((text) => new Blob([text], { type: "text/plain" }));
      return navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
    }
    return textPromise.then((text) => navigator.clipboard.writeText(text));
  }

  async function copyFrom(button, query) {
    const row = button.closest("[data-row]").dataset.row;
    const label = button.querySelector(".copy-label");
    const params = new URLSearchParams({ profile, ...query });
    try {
      await writeClipboard(call(rowPath(row, `/copy?${params}`)).then((body) => body.text));
      if (label) label.textContent = "Copied";
      button.dataset.copied = "true";
      announce("Copied to the clipboard");
      window.setTimeout(() => {
        if (label) label.textContent = "Copy";
        delete button.dataset.copied;
      }, 2000);
    } catch (error) {
      announce(`Could not copy: ${error.message}`);
    }
  }

  // ------------------------------------------------------------ rotate

  const dialog = document.getElementById("rotate-dialog");

  function confirmRotate(name) {
    return new Promise((resolve) => {
      dialog.querySelector("[data-rotate-name]").textContent = name;
      dialog.returnValue = "";
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
      dialog.showModal();
    });
  }

  async function rotate(button) {
    const details = button.closest("[data-row]");
    if (!(await confirmRotate(button.dataset.name))) {
      button.focus();
      return;
    }
    try {
      await call(rowPath(details.dataset.row, "/rotate"), { method: "POST" });
      await refresh(details);
      announce("The API key was rotated; the old key no longer works");
      const again = details.querySelector("[data-rotate]");
      if (again) again.focus();
    } catch (error) {
      announce(`Could not rotate the key: ${error.message}`);
    }
  }

  async function refresh(details) {
    const holder = details.querySelector("[data-panel]");
    const selected = Array.from(holder.querySelectorAll("[role=tab][aria-selected=true]"), (t) => t.id);
    const response = await fetch(rowPath(details.dataset.row, `?profile=${encodeURIComponent(profile)}`), {
      headers: PAGE_HEADER,
      cache: "no-store",
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    holder.innerHTML = await response.text();
    initTabs(holder);
    initChat(holder);
    for (const id of selected) {
      const tab = document.getElementById(id);
      if (tab) select(tab, false);
    }
  }

  // ------------------------------------------------------------ chat

  // Returns the node that holds the turn's text, so a streamed reply can grow in it.
  function addTurn(list, role, text) {
    const item = document.createElement("li");
    item.className = `turn ${role}`;
    const who = document.createElement("span");
    who.className = "role";
    who.textContent = role === "user" ? "User:" : "Assistant:";
    const body = document.createTextNode(text);
    item.append(who, " ", body);
    list.append(item);
    return body;
  }

  class StreamError extends Error {}

  // One streamed turn: `onText` gets the reply so far after each chunk. Resolves with
  // the whole reply; rejects with a StreamError for an error chunk, or an AbortError
  // when `signal` aborts (the Stop button).
  async function streamTurn(path, messages, prefix, signal, onText) {
    const response = await fetch(path, {
      method: "POST",
      headers: { ...PAGE_HEADER, "Content-Type": "application/json" },
      body: JSON.stringify({ messages }),
      cache: "no-store",
      credentials: "same-origin",
      signal,
    });
    if (!response.ok) {
      let detail = `HTTP ${response.status}`;
      try {
        const body = await response.json();
        if (typeof body.detail === "string") detail = body.detail;
      } catch (_) {
        // not JSON: the status says enough
      }
      throw new Error(detail);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      // Chunks may arrive merged: the error starts wherever the prefix is.
      const at = text.indexOf(prefix);
      if (at >= 0) {
        onText(text.slice(0, at));
        reader.cancel().catch(() => {});
        throw new StreamError(text.slice(at).trim());
      }
      onText(text);
    }
    return text + decoder.decode();
  }

  function initChat(root) {
    for (const chat of root.querySelectorAll("[data-chat]")) {
      chat.hidden = false;
      const messages = [];
      const form = chat.querySelector("[data-chat-form]");
      const transcript = chat.querySelector("[data-transcript]");
      const error = chat.querySelector("[data-chat-error]");
      const input = form.querySelector("textarea");
      const send = form.querySelector("[type=submit]");
      const stop = form.querySelector("[data-chat-stop]");
      const clear = chat.querySelector("[data-chat-clear]");
      const prefix = chat.dataset.errorPrefix || "\n[ERROR:";
      let running = null;
      stop.addEventListener("click", () => {
        if (running) running.abort();
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const text = input.value.trim();
        // One turn at a time: Enter while a reply is still coming keeps the text for later.
        if (!text || send.disabled) return;
        error.textContent = "";
        messages.push({ role: "user", content: text });
        addTurn(transcript, "user", text);
        input.value = "";
        send.disabled = true;
        const row = chat.closest("[data-row]").dataset.row;
        if (chat.dataset.chatRoute !== "generate_stream") {
          await oneShot(row, text);
          return;
        }
        const reply = addTurn(transcript, "assistant", "");
        const turn = transcript.lastElementChild;
        turn.setAttribute("aria-busy", "true");
        running = new AbortController();
        stop.hidden = false;
        clear.disabled = true;
        let shown = "";
        try {
          const whole = await streamTurn(rowPath(row, "/chat/stream"), messages, prefix, running.signal, (t) => {
            shown = t;
            reply.textContent = t;
          });
          reply.textContent = whole;
          messages.push({ role: "assistant", content: whole });
        } catch (failure) {
          if (failure.name === "AbortError") {
            // Stopped: the partial reply stays, and is part of the conversation.
            turn.dataset.stopped = "true";
            turn.append(note("stopped"));
            messages.push({ role: "assistant", content: shown });
            announce("Stopped");
          } else {
            // The turn stays in the conversation, marked, with the deployment's error.
            messages.pop();
            turn.dataset.failed = "true";
            turn.append(note(failure instanceof StreamError ? failure.message : `error: ${failure.message}`));
            input.value = text;
            error.textContent = `The deployment did not answer: ${failure.message}`;
          }
        } finally {
          turn.removeAttribute("aria-busy");
          running = null;
          stop.hidden = true;
          clear.disabled = false;
          send.disabled = false;
          input.focus();
        }
      });

      function note(text) {
        const mark = document.createElement("span");
        mark.className = "turn-note";
        mark.textContent = ` [${text.replace(/^\[|\]$/g, "")}]`;
        return mark;
      }

      // The one-shot turn, for a playground whose settings say `generate`.
      async function oneShot(row, text) {
        try {
          const body = await call(rowPath(row, "/chat"), {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ messages }),
          });
          messages.push({ role: "assistant", content: body.reply });
          addTurn(transcript, "assistant", body.reply);
        } catch (failure) {
          messages.pop();
          transcript.lastElementChild.remove();
          input.value = text;
          error.textContent = `The deployment did not answer: ${failure.message}`;
        } finally {
          send.disabled = false;
          input.focus();
        }
      }
      clear.addEventListener("click", () => {
        messages.length = 0;
        transcript.replaceChildren();
        error.textContent = "";
        input.focus();
      });
    }
  }

  // ------------------------------------------------------------ wiring

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || button.disabled) return;
    if (button.dataset.copyComponent) {
      copyFrom(button, { component: button.dataset.copyComponent });
    } else if (button.dataset.copyTab) {
      const { copyTab: tab, copyLanguage: language, copyVariant: variant } = button.dataset;
      copyFrom(button, { tab, language, variant: variant || "request" });
    } else if ("rotate" in button.dataset) {
      rotate(button);
    }
  });

  initTabs(document);
  initChat(document);
})();
