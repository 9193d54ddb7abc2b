/* 自助终端 (kiosk): the on-screen keypad, printing, and signing out when nobody is there.
 *
 * The terminal runs Chromium with --kiosk (full screen, no address bar, tabs, menus or back
 * button; --kiosk-printing prints to the hall's printer without a dialog). Every page also works
 * without this script: the forms are plain forms, and the server ends an idle card session on
 * its own (identity.middleware.CardSessionMiddleware). The idle limit comes from the server
 * (settings.CITYHALL_KIOSK_IDLE_SECONDS, as data-idle-seconds on <body>), so both agree.
 */
(function () {
  "use strict";

  var body = document.body;

  // A kiosk has no browser chrome: no context menu, no selecting or dragging page text.
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });
  document.addEventListener("dragstart", function (event) { event.preventDefault(); });
  document.addEventListener("selectstart", function (event) {
    var target = event.target;
    var editable = target && target.closest && target.closest("input, textarea");
    if (!editable) { event.preventDefault(); }
  });

  // Printing a certificate.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // The numeric keypad: types into the card number or the PIN.
  var keypad = document.querySelector("[data-keypad]");
  if (keypad) {
    var fields = {};
    document.querySelectorAll("[data-keypad-target]").forEach(function (input) {
      fields[input.getAttribute("data-keypad-target")] = input;
    });
    var targetName = document.querySelector("[data-keypad-target-name]");
    var labels = {
      card: keypad.getAttribute("data-label-card") || "",
      pin: keypad.getAttribute("data-label-pin") || "",
    };
    var active = fields.card && fields.card.value.replace(/\s/g, "").length < 9 ? "card" : "pin";

    var choose = function (name) {
      if (!fields[name]) { return; }
      active = name;
      Object.keys(fields).forEach(function (key) {
        fields[key].classList.toggle("keypad-active", key === name);
      });
      keypad.querySelectorAll("[data-keypad-switch]").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-keypad-switch") === name));
      });
      if (targetName) { targetName.textContent = labels[name]; }
    };

    Object.keys(fields).forEach(function (key) {
      fields[key].addEventListener("focus", function () { choose(key); });
    });
    keypad.querySelectorAll("[data-keypad-switch]").forEach(function (button) {
      button.addEventListener("click", function () { choose(button.getAttribute("data-keypad-switch")); });
    });
    keypad.querySelectorAll("[data-key]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = fields[active];
        if (!input) { return; }
        var key = button.getAttribute("data-key");
        var limit = input.maxLength > 0 ? input.maxLength : 32;
        if (key === "clear") {
          input.value = "";
        } else if (key === "back") {
          input.value = input.value.slice(0, -1);
        } else if (input.value.length < limit) {
          input.value += key;
        }
        input.dispatchEvent(new Event("input", { bubbles: true }));
        // A card number is a letter and 8 digits: once complete, the PIN is next.
        if (active === "card" && /^[A-Za-z]\d{8}$/.test(input.value.replace(/\s/g, ""))) {
          choose("pin");
        }
      });
    });
    // The card reader types the number and presses Enter: go on to the PIN, not submit.
    if (fields.card && fields.pin) {
      fields.card.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !fields.pin.value) {
          event.preventDefault();
          fields.pin.focus();
        }
      });
    }
    keypad.hidden = false;
    choose(active);
  }

  // Idle time: touch, pointer, keys and wheel count as someone being there.
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10) || 120;
  var warnSeconds = parseInt(body.getAttribute("data-warn-seconds"), 10) || 20;
  var aliveUrl = body.getAttribute("data-alive-url");
  var homeUrl = body.getAttribute("data-home-url") || "/kiosk/";
  var activity = ["pointerdown", "touchstart", "keydown", "wheel", "input"];
  var now = function () { return Date.now(); };

  if (!aliveUrl) {
    // Signed out (the sign-in page): after a while, a fresh page for the next person.
    var resetAfter = Math.max(idleSeconds, 60) * 1000;
    var lastTouch = now();
    activity.forEach(function (name) {
      document.addEventListener(name, function () { lastTouch = now(); }, { passive: true, capture: true });
    });
    window.setInterval(function () {
      var typed = Array.prototype.some.call(document.querySelectorAll("input:not([type=hidden])"), function (input) {
        return input.value !== "";
      });
      if (now() - lastTouch >= resetAfter && (typed || window.location.search || document.querySelector("[role=alert]"))) {
        window.location.replace(homeUrl);
      }
    }, 1000);
    return;
  }

  var dialog = document.getElementById("kiosk-idle");
  var countdown = dialog.querySelector("[data-idle-countdown]");
  var continueButton = dialog.querySelector("[data-idle-continue]");
  var announce = document.getElementById("kiosk-announce");
  var signoutForm = document.getElementById("kiosk-signout");
  // The server counts idle time from its last request, so ours counts from our last contact
  // with it (page load or a keep-alive) and ends a second early: the page never outlives the
  // session. Activity sends a keep-alive at most every `aliveEvery` ms.
  var aliveEvery = Math.min(15, Math.max(1, Math.floor(idleSeconds / 4))) * 1000;
  var lastContact = now();
  var leaving = false;

  var deadline = function () { return lastContact + Math.max(1, idleSeconds - 1) * 1000; };

  var signOut = function () {
    if (leaving) { return; }
    leaving = true;
    signoutForm.querySelector("[name=reason]").value = "timeout";
    signoutForm.submit();
  };

  var keepAlive = function () {
    lastContact = now();
    window.fetch(aliveUrl, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      // The server already ended the session (or it was never a card session): follow it.
      if (response.redirected || response.status !== 204) {
        leaving = true;
        window.location.replace(response.redirected ? response.url : homeUrl);
      }
    }).catch(function () { /* offline: the server's own limit still applies */ });
  };

  var hideWarning = function () {
    if (!dialog.hidden) {
      dialog.hidden = true;
      announce.textContent = "";
    }
  };

  var showWarning = function (left) {
    countdown.textContent = String(left);
    if (dialog.hidden) {
      dialog.hidden = false;
      announce.textContent = dialog.querySelector("#kiosk-idle-title").textContent + "。" +
        dialog.querySelector("#kiosk-idle-text").textContent;
      continueButton.focus();
    }
  };

  continueButton.addEventListener("click", function () {
    hideWarning();
    keepAlive();
  });
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { hideWarning(); keepAlive(); }
  });
  activity.forEach(function (name) {
    document.addEventListener(name, function (event) {
      // While the warning shows, only its button (or Escape) says someone is still here.
      if (!dialog.hidden || leaving) { return; }
      if (event.target && event.target.closest && event.target.closest("#kiosk-idle")) { return; }
      if (now() - lastContact >= aliveEvery) { keepAlive(); }
    }, { passive: true, capture: true });
  });
  // A page restored from the back/forward cache asks the server whether the session still holds.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { leaving = false; keepAlive(); }
  });

  var tick = function () {
    if (leaving) { return; }
    var left = Math.ceil((deadline() - now()) / 1000);
    if (left <= 0) {
      signOut();
    } else if (left <= warnSeconds) {
      showWarning(left);
    } else {
      hideWarning();
    }
  };
  window.setInterval(tick, 250);
})();
