// Quick-check quizzes: check answers, open explanations, keep the score and the learner's
// choices in localStorage. The HTML comes from course_site/quiz.py and reads without this file.
(function () {
  "use strict";

  function storageKey(form) {
    return "quiz:" + window.location.pathname + ":" + form.dataset.quiz;
  }

  function load(form) {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey(form)) || "{}");
    } catch (error) {
      return {};
    }
  }

  function save(form, state) {
    try {
      window.localStorage.setItem(storageKey(form), JSON.stringify(state));
    } catch (error) {
      // Private browsing or a full store: the quiz still works, it just forgets.
    }
  }

  function questions(form) {
    return Array.prototype.slice.call(form.querySelectorAll(".quiz-question"));
  }

  function chosen(question) {
    var input = question.querySelector("input[type=radio]:checked");
    return input ? Number(input.value) : null;
  }

  function mark(form) {
    var all = questions(form);
    var right = 0;
    all.forEach(function (question) {
      var answer = Number(question.dataset.answer);
      var choice = chosen(question);
      var feedback = question.querySelector(".quiz-feedback");
      var details = question.querySelector(".quiz-explain");
      question.classList.remove("quiz-right", "quiz-wrong", "quiz-unanswered");
      if (choice === null) {
        question.classList.add("quiz-unanswered");
        feedback.textContent = "Not answered yet.";
        return;
      }
      if (choice === answer) {
        right += 1;
        question.classList.add("quiz-right");
        feedback.textContent = "Right.";
      } else {
        question.classList.add("quiz-wrong");
        feedback.textContent = "Not quite: read why below.";
      }
      details.open = true;
    });
    form.querySelector(".quiz-score").textContent =
      "Score: " + right + " / " + all.length + (right === all.length ? " — all right!" : "");
  }

  function reset(form) {
    questions(form).forEach(function (question) {
      question.classList.remove("quiz-right", "quiz-wrong", "quiz-unanswered");
      question.querySelector(".quiz-feedback").textContent = "";
      question.querySelector(".quiz-explain").open = false;
      question.querySelectorAll("input[type=radio]").forEach(function (input) {
        input.checked = false;
      });
    });
    form.querySelector(".quiz-score").textContent = "";
    save(form, {});
  }

  function setUp(form) {
    if (form.dataset.ready) {
      return;
    }
    form.dataset.ready = "true";
    var check = form.querySelector(".quiz-check");
    var again = form.querySelector(".quiz-reset");
    check.hidden = false;
    again.hidden = false;
    var state = load(form);
    questions(form).forEach(function (question, index) {
      var saved = state.choices && state.choices[index];
      if (saved !== undefined && saved !== null) {
        var input = question.querySelector('input[value="' + saved + '"]');
        if (input) {
          input.checked = true;
        }
      }
    });
    form.addEventListener("change", function () {
      save(form, { choices: questions(form).map(chosen), checked: false });
    });
    check.addEventListener("click", function () {
      mark(form);
      save(form, { choices: questions(form).map(chosen), checked: true });
    });
    again.addEventListener("click", function () {
      reset(form);
    });
    if (state.checked) {
      mark(form);
    }
  }

  function setUpAll() {
    document.querySelectorAll("form.quiz").forEach(setUp);
  }

  if (typeof window.document$ !== "undefined") {
    // Material's instant navigation swaps pages without reloading the scripts.
    window.document$.subscribe(setUpAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
