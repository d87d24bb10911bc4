// Your progress in the pages: quiz results kept in this browser, and, when the site is served by
// `grade serve`, the grader's results for each phase. A statically hosted site (any host, a
// subpath, or opened from disk) has no grader to ask: there this file shows quiz results only,
// never asks for anything, and never shows an error.
(function () {
  "use strict";

  var POLL_MS = 4000;
  var PHASE_IN_PATH = /phases\/(\d{2})-[^/]*?(?:\/|\.html)/;
  var served = document.querySelector('meta[name="grade-serve"]');
  var latest = null;

  // --- where things are ------------------------------------------------------------------

  function siteRoot() {
    var config = document.getElementById("__config");
    var base = ".";
    try {
      base = JSON.parse(config.textContent).base || ".";
    } catch (error) {
      // No config: assume the page sits at the site's root.
    }
    return new URL(base.replace(/\/?$/, "/"), window.location.href);
  }

  function phaseOfPath(path) {
    var match = PHASE_IN_PATH.exec(path);
    return match ? Number(match[1]) : null;
  }

  // A page link from the site's root ("phases/03-x/#anchor"), as this site is built: directory
  // URLs when served, `.html` files in the offline build.
  function pageLink(relative) {
    var offline = /\.html$/.test(window.location.pathname) || window.location.protocol === "file:";
    var parts = relative.split("#");
    var path = parts[0];
    if (offline && /\/$/.test(path)) {
      path = path.replace(/\/$/, ".html");
    }
    return new URL(path + (parts[1] ? "#" + parts[1] : ""), siteRoot()).href;
  }

  // --- quiz results, from this browser's storage -----------------------------------------

  function quizResults() {
    var results = {};
    try {
      for (var i = 0; i < window.localStorage.length; i += 1) {
        var key = window.localStorage.key(i);
        if (!key || key.indexOf("quiz:") !== 0) {
          continue;
        }
        var phase = phaseOfPath(key);
        var state = JSON.parse(window.localStorage.getItem(key) || "{}");
        if (phase !== null && state && state.checked && typeof state.total === "number") {
          results[phase] = { right: state.right, total: state.total };
        }
      }
    } catch (error) {
      // Storage unavailable (private mode, disabled): no quiz results to show.
    }
    return results;
  }

  function clearQuizAnswers() {
    var keys = [];
    try {
      for (var i = 0; i < window.localStorage.length; i += 1) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf("quiz:") === 0) {
          keys.push(key);
        }
      }
      keys.forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    } catch (error) {
      // Nothing stored, nothing to clear.
    }
    return keys.length;
  }

  // --- small DOM helpers -----------------------------------------------------------------

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function command(text) {
    return element("code", {}, [text]);
  }

  // --- the grader's status of one phase --------------------------------------------------

  function statusLine(phase) {
    if (phase.status === "coming soon") {
      return [phase.title + " is not written yet."];
    }
    if (phase.status === "not started") {
      return ["Not graded yet: run ", command(phase.command), " in your course folder."];
    }
    if (phase.status === "done") {
      return ["All " + phase.total + " checks pass. Phase done."];
    }
    return [
      phase.passed + " of " + phase.total + " checks pass — run ",
      command(phase.command),
      " again once you have changed your code.",
    ];
  }

  function failingList(phase) {
    var list = element("ul", { class: "grade-status__failing" });
    phase.failing.forEach(function (check) {
      list.appendChild(
        element("li", {}, [element("a", { href: pageLink(check.link) }, [check.name])])
      );
    });
    return list;
  }

  function statusBox(phase) {
    var box = element("div", {
      class: "admonition grade-status grade-status--" + phase.status.replace(" ", "-"),
      role: "status",
      "data-phase": String(phase.number),
    });
    box.appendChild(element("p", { class: "admonition-title" }, ["Your exercise, as graded"]));
    box.appendChild(element("p", {}, statusLine(phase)));
    if (phase.failing.length) {
      box.appendChild(element("p", {}, ["Failing, with the section to read:"]));
      box.appendChild(failingList(phase));
    }
    return box;
  }

  function replaceBox(anchor, id, box) {
    box.id = id;
    var old = document.getElementById(id);
    if (old) {
      old.replaceWith(box);
    } else {
      anchor.insertAdjacentElement("afterend", box);
    }
  }

  function showOnPhasePage(data) {
    var number = phaseOfPath(window.location.pathname);
    var heading = document.querySelector(".md-content__inner h1");
    if (number === null || !heading) {
      return;
    }
    data.phases.forEach(function (phase) {
      if (phase.number === number) {
        replaceBox(heading, "grade-status", statusBox(phase));
      }
    });
  }

  function showOnHomePage(data) {
    var holder = document.getElementById("grade-progress");
    if (!holder) {
      return;
    }
    var list = element("ul", { class: "grade-progress__list" });
    data.phases.forEach(function (phase) {
      var item = element("li", { "data-phase": String(phase.number) });
      item.appendChild(element("a", { href: pageLink(phase.page) }, ["Phase " + phase.number]));
      item.appendChild(document.createTextNode(" — "));
      statusLine(phase).forEach(function (part) {
        item.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
      });
      list.appendChild(item);
    });
    holder.replaceChildren(
      element("p", { class: "admonition-title" }, ["Your progress, from the grader"]),
      element("p", {}, [data.next]),
      list
    );
    holder.hidden = false;
  }

  // --- the progress page -----------------------------------------------------------------

  function exerciseCell(phase) {
    if (!phase) {
      return ["Run ", command("grade serve"), " to see your grader results here."];
    }
    if (phase.status === "not started" || phase.status === "coming soon") {
      return statusLine(phase);
    }
    return [phase.passed + " of " + phase.total + " checks pass" + (phase.status === "done" ? " ✓" : "")];
  }

  function showProgressPage(data) {
    var holder = document.getElementById("course-progress");
    if (!holder) {
      return;
    }
    var quizzes = quizResults();
    var byNumber = {};
    (data ? data.phases : []).forEach(function (phase) {
      byNumber[phase.number] = phase;
    });
    var table = element("table", { class: "course-progress__table" });
    table.appendChild(
      element("thead", {}, [
        element("tr", {}, [
          element("th", { scope: "col" }, ["Phase"]),
          element("th", { scope: "col" }, ["Quick check"]),
          element("th", { scope: "col" }, ["Exercise"]),
        ]),
      ])
    );
    var body = element("tbody");
    phaseLinks().forEach(function (link) {
      var quiz = quizzes[link.number];
      var quizText = quiz
        ? quiz.right + " of " + quiz.total + " right" + (quiz.right === quiz.total ? " ✓" : "")
        : "not checked yet";
      body.appendChild(
        element("tr", { "data-phase": String(link.number) }, [
          element("th", { scope: "row" }, [element("a", { href: link.href }, [link.title])]),
          element("td", { class: "course-progress__quiz" }, [quizText]),
          element("td", { class: "course-progress__exercise" }, exerciseCell(byNumber[link.number])),
        ])
      );
    });
    table.appendChild(body);
    var old = holder.querySelector("table.course-progress__table");
    if (old) {
      // A refresh replaces the table alone: the button and what it said stay as they are.
      old.replaceWith(table);
      return;
    }
    var clear = element("button", { type: "button", class: "md-button" }, ["Clear my quiz answers"]);
    var said = element("p", { class: "course-progress__said", "aria-live": "polite" });
    clear.addEventListener("click", function () {
      var count = clearQuizAnswers();
      said.textContent = count
        ? "Cleared the answers of " + count + " quiz" + (count === 1 ? "" : "zes") + "."
        : "There were no quiz answers to clear.";
      showProgressPage(latest);
      markNavigation(latest);
    });
    holder.replaceChildren(table, clear, said);
  }

  // The phase pages, as the navigation links them (so the table needs no list of its own).
  function phaseLinks() {
    var seen = {};
    var links = [];
    document.querySelectorAll("nav.md-nav--primary a.md-nav__link[href]").forEach(function (a) {
      var number = phaseOfPath(a.href);
      if (number !== null && !seen[number]) {
        seen[number] = true;
        var title = (a.querySelector(".md-ellipsis") || a).textContent.trim();
        links.push({ number: number, href: a.href, title: title, anchor: a });
      }
    });
    return links.sort(function (a, b) {
      return a.number - b.number;
    });
  }

  // --- the navigation: a mark on each phase whose quiz and exercise are done ---------------

  function markNavigation(data) {
    var quizzes = quizResults();
    var exercises = {};
    (data ? data.phases : []).forEach(function (phase) {
      exercises[phase.number] = phase.status === "done";
    });
    document.querySelectorAll("nav.md-nav--primary a.md-nav__link[href]").forEach(function (a) {
      var number = phaseOfPath(a.href);
      if (number === null) {
        return;
      }
      var quiz = quizzes[number];
      var done = Boolean(quiz && quiz.right === quiz.total && exercises[number]);
      var mark = a.querySelector(".phase-done");
      if (done && !mark) {
        mark = element("span", { class: "phase-done", title: "Quiz and exercise done" }, [
          element("span", { "aria-hidden": "true" }, ["✓"]),
          element("span", { class: "md-visually-hidden" }, [" (quiz and exercise done)"]),
        ]);
        a.appendChild(mark);
      } else if (!done && mark) {
        mark.remove();
      }
    });
  }

  // --- "Was this page helpful?" ----------------------------------------------------------

  function setUpFeedback() {
    document.querySelectorAll("form.course-feedback").forEach(function (form) {
      if (form.dataset.ready) {
        return;
      }
      form.dataset.ready = "true";
      var key = "feedback:" + window.location.pathname;
      var note = form.querySelector(".course-feedback__note");
      function show(value) {
        form.querySelectorAll("button[data-value]").forEach(function (button) {
          button.setAttribute("aria-pressed", String(button.dataset.value === value));
        });
        note.textContent = value
          ? "Thank you! Your answer is kept in this browser only."
          : "";
      }
      var saved = null;
      try {
        saved = window.localStorage.getItem(key);
      } catch (error) {
        saved = null;
      }
      show(saved);
      form.hidden = false;
      form.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-value]");
        if (!button) {
          return;
        }
        event.preventDefault();
        try {
          window.localStorage.setItem(key, button.dataset.value);
        } catch (error) {
          // Not kept; the thanks still stands.
        }
        show(button.dataset.value);
      });
    });
    // With the instructor's analytics configured, Material shows its own feedback form and
    // sends the answer; keep the answer in this browser too.
    document.querySelectorAll("form.md-feedback").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var value = event.submitter && event.submitter.dataset.mdValue;
        if (value) {
          try {
            window.localStorage.setItem("feedback:" + window.location.pathname, value);
          } catch (error) {
            // Not kept.
          }
        }
      });
    });
  }

  // --- asking the grader -----------------------------------------------------------------

  function show(data) {
    latest = data;
    if (data) {
      showOnPhasePage(data);
      showOnHomePage(data);
    }
    showProgressPage(data);
    markNavigation(data);
  }

  function ask() {
    if (!served || document.visibilityState === "hidden") {
      return;
    }
    var url = new URL(served.getAttribute("content"), window.location.href);
    window
      .fetch(url.href, { cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && JSON.stringify(data) !== JSON.stringify(latest)) {
          show(data);
        }
      })
      .catch(function () {
        // The server stopped: keep what is shown.
      });
  }

  function setUp() {
    setUpFeedback();
    show(latest);
    ask();
  }

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(setUp);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
  document.addEventListener("quiz:checked", function () {
    show(latest);
  });
  window.addEventListener("storage", function () {
    show(latest);
  });
  if (served) {
    window.setInterval(ask, POLL_MS);
    document.addEventListener("visibilitychange", ask);
  }
})();
