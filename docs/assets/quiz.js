// Quick-check quizzes: check answers, open explanations, keep the score and the learner's
// answers in localStorage. The HTML comes from course_site/quiz.py and reads without this file.
//
// A question is one of three kinds (its fieldset's data-kind, "one" when absent):
//   one     radio buttons; data-answer is the right choice's index
//   many    checkboxes; data-answer lists the right indexes, e.g. "0 2"
//   status  a status code, typed (data-answer is the code) or chosen with radio buttons
//           (data-answer is the right choice's index)
// The stored state is {choices: [...], checked, right, total}: one entry per question, an
// index, a list of indexes, the typed text, or null when unanswered.
(function () {
  "use strict";

  function storageKey(form) {
    return "quiz:" + window.location.pathname + ":" + form.dataset.quiz;
  }

  function load(form) {
    try {
      var state = JSON.parse(window.localStorage.getItem(storageKey(form)) || "{}");
      return state && typeof state === "object" ? state : {};
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

  function typedInput(question) {
    return question.querySelector(".quiz-typed input");
  }

  function choiceInputs(question) {
    return Array.prototype.slice.call(
      question.querySelectorAll(".quiz-choice input")
    );
  }

  // The learner's answer to one question, as stored; null when there is none yet.
  function chosen(question) {
    var typed = typedInput(question);
    if (typed) {
      var text = typed.value.trim();
      return text === "" ? null : text;
    }
    var picked = choiceInputs(question)
      .filter(function (input) {
        return input.checked;
      })
      .map(function (input) {
        return Number(input.value);
      });
    if (question.dataset.kind === "many") {
      return picked.length ? picked : null;
    }
    return picked.length ? picked[0] : null;
  }

  function isRight(question, answer) {
    if (typedInput(question)) {
      return answer === question.dataset.answer;
    }
    if (question.dataset.kind === "many") {
      return answer
        .slice()
        .sort(function (a, b) {
          return a - b;
        })
        .join(" ") === question.dataset.answer;
    }
    return answer === Number(question.dataset.answer);
  }

  function restore(question, answer) {
    var typed = typedInput(question);
    if (typed) {
      typed.value = typeof answer === "string" ? answer : "";
      return;
    }
    var picked = Array.isArray(answer) ? answer : [answer];
    choiceInputs(question).forEach(function (input) {
      input.checked = picked.indexOf(Number(input.value)) !== -1;
    });
  }

  function clearMarks(question) {
    question.classList.remove("quiz-right", "quiz-wrong", "quiz-unanswered");
    question.querySelector(".quiz-feedback").textContent = "";
    question.querySelectorAll(".quiz-choice").forEach(function (label) {
      label.classList.remove("quiz-picked-right", "quiz-picked-wrong", "quiz-missed");
    });
  }

  // Marks each chosen choice right or wrong (an icon as well as a colour), and the right
  // choices the learner left out of a "choose all that apply" question.
  function markChoices(question) {
    var right = question.dataset.answer.split(" ");
    choiceInputs(question).forEach(function (input) {
      var label = input.closest(".quiz-choice");
      var isAnswer = right.indexOf(input.value) !== -1;
      if (input.checked) {
        label.classList.add(isAnswer ? "quiz-picked-right" : "quiz-picked-wrong");
      } else if (isAnswer && question.dataset.kind === "many") {
        label.classList.add("quiz-missed");
      }
    });
  }

  // After the verdict, the why of each choice the learner made, copied from the details.
  function showWhys(question, feedback, answer) {
    var picked = Array.isArray(answer) ? answer : [answer];
    picked.forEach(function (index) {
      var why = question.querySelector('.quiz-why[data-choice="' + index + '"]');
      if (!why || !why.querySelector(".quiz-why-choice").nextSibling) {
        return;
      }
      var line = document.createElement("span");
      line.className = "quiz-feedback-why";
      Array.prototype.forEach.call(why.childNodes, function (node) {
        line.appendChild(node.cloneNode(true));
      });
      feedback.appendChild(line);
    });
  }

  function mark(form) {
    var all = questions(form);
    var right = 0;
    all.forEach(function (question) {
      var answer = chosen(question);
      var feedback = question.querySelector(".quiz-feedback");
      clearMarks(question);
      if (answer === null) {
        question.classList.add("quiz-unanswered");
        feedback.textContent = "Not answered yet.";
        return;
      }
      var typed = typedInput(question);
      if (isRight(question, answer)) {
        right += 1;
        question.classList.add("quiz-right");
        feedback.textContent = "Right.";
      } else {
        question.classList.add("quiz-wrong");
        feedback.textContent =
          typed && !/^[1-5][0-9]{2}$/.test(answer)
            ? "Not quite: a status code is three digits, such as 404. Read why below."
            : "Not quite: read why below.";
      }
      if (!typed) {
        markChoices(question);
        showWhys(question, feedback, answer);
      }
      question.querySelector(".quiz-explain").open = true;
    });
    form.querySelector(".quiz-score").textContent =
      "Score: " + right + " / " + all.length + (right === all.length ? " — all right!" : "");
    return { right: right, total: all.length };
  }

  function reset(form) {
    questions(form).forEach(function (question) {
      clearMarks(question);
      question.querySelector(".quiz-explain").open = false;
      question.querySelectorAll("input").forEach(function (input) {
        input.checked = false;
        if (input.type === "text") {
          input.value = "";
        }
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
        restore(question, saved);
      }
    });

    function answers() {
      return questions(form).map(chosen);
    }

    function remember() {
      // Until the next check, the stored score is the one the learner last checked.
      var last = load(form);
      var changed = { choices: answers(), checked: false };
      if (typeof last.right === "number" && typeof last.total === "number") {
        changed.right = last.right;
        changed.total = last.total;
      }
      save(form, changed);
    }

    function checkAnswers() {
      var score = mark(form);
      save(form, { choices: answers(), checked: true, right: score.right, total: score.total });
      document.dispatchEvent(
        new CustomEvent("quiz:checked", { detail: { right: score.right, total: score.total } })
      );
    }

    form.addEventListener("change", remember);
    form.addEventListener("input", remember);
    // Enter in a typed answer checks the quiz rather than submitting the form.
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      checkAnswers();
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.matches(".quiz-typed input")) {
        event.preventDefault();
        checkAnswers();
      }
    });
    check.addEventListener("click", checkAnswers);
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
