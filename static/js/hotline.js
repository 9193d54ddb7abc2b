/* 12345 hotline pages: console suggestions as the operator types, the map pin, the phone's
   location. Every page works without this script; it only saves keystrokes. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function text(tag, content, className) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (className) el.className = className;
    return el;
  }

  function fillList(list, items, render) {
    list.replaceChildren();
    if (!items.length) {
      list.appendChild(text("li", "—", "hint"));
      return;
    }
    items.forEach(function (item) { list.appendChild(render(item)); });
  }

  function ticketItem(t) {
    var li = document.createElement("li");
    var a = text("a", t.number);
    a.href = t.url;
    li.appendChild(a);
    li.appendChild(document.createTextNode(" " + t.category + " · " + t.status + " " + t.description));
    return li;
  }

  function setupConsole(box) {
    var form = box.querySelector("form");
    var url = box.getAttribute("data-suggest-url");
    var field = function (name) { return form.elements[name]; };
    var refresh = debounce(function () {
      var params = new URLSearchParams({
        text: field("description").value,
        address: field("address").value,
        phone: field("reporter_phone").value,
        category: field("category").value,
        lat: field("lat").value,
        lng: field("lng").value
      });
      fetch(url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          fillList(box.querySelector("[data-suggestions]"), data.suggestions, function (s) {
            var li = document.createElement("li");
            var b = text("button", s.category + " " + s.category_name + " · " + s.type_name, "link-button");
            b.type = "button";
            b.addEventListener("click", function () {
              field("category").value = s.category;
              field("kind").value = s.type;
            });
            li.appendChild(b);
            li.appendChild(text("span", " " + Math.round(s.confidence * 100) + "%", "hint"));
            return li;
          });
          box.querySelector("[data-place]").textContent = data.place ? data.place.name + "（" + data.place.code + "）" : "—";
          fillList(box.querySelector("[data-callers]"), data.caller_tickets, ticketItem);
          fillList(box.querySelector("[data-duplicates]"), data.duplicates, ticketItem);
        })
        .catch(function () { /* suggestions are a convenience; the form still works */ });
    }, 300);
    ["description", "address", "reporter_phone", "category"].forEach(function (name) {
      field(name).addEventListener("input", refresh);
      field(name).addEventListener("change", refresh);
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.querySelector("button[value=create]").click();
      }
    });
  }

  function setupLocation(form) {
    var lat = form.elements.lat;
    var lng = form.elements.lng;
    var map = form.querySelector("[data-pin-map]");
    var status = form.querySelector("[data-locate-status]");
    var pin = map && map.querySelector("[data-pin]");
    var label = map && map.querySelector("[data-pin-label]");
    var b = map ? map.getAttribute("data-bounds").split(",").map(Number) : null;
    var width = map ? Number(map.getAttribute("data-width")) : 0;

    function project(la, ln) {
      var xf = Math.cos(((b[1] + b[3]) / 2) * Math.PI / 180);
      var scale = width / ((b[2] - b[0]) * xf);
      return [(ln - b[0]) * xf * scale, (b[3] - la) * scale];
    }
    function show(la, ln) {
      lat.value = la.toFixed(6);
      lng.value = ln.toFixed(6);
      if (pin) {
        var xy = project(la, ln);
        pin.setAttribute("cx", xy[0]);
        pin.setAttribute("cy", xy[1]);
      }
      if (label) label.textContent = lat.value + ", " + lng.value;
    }
    if (map) {
      var svg = map.querySelector("svg");
      svg.addEventListener("click", function (event) {
        var pt = svg.createSVGPoint();
        pt.x = event.clientX;
        pt.y = event.clientY;
        var p = pt.matrixTransform(svg.getScreenCTM().inverse());
        var xf = Math.cos(((b[1] + b[3]) / 2) * Math.PI / 180);
        var scale = width / ((b[2] - b[0]) * xf);
        show(b[3] - p.y / scale, b[0] + p.x / (xf * scale));
      });
    }
    var button = form.querySelector("[data-locate-me]");
    if (button) {
      button.addEventListener("click", function () {
        if (!navigator.geolocation) {
          status.textContent = "此设备不支持定位，请填写地址";
          return;
        }
        status.textContent = "正在定位…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          show(pos.coords.latitude, pos.coords.longitude);
          status.textContent = "已定位";
        }, function () {
          status.textContent = "定位失败，请在地图上点选或填写地址";
        }, { enableHighAccuracy: true, timeout: 10000 });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-console]").forEach(setupConsole);
    document.querySelectorAll("[data-location-form]").forEach(setupLocation);
  });
})();
