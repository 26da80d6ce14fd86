// Draft invoice editor: add and remove line rows of the Django formset "lines". Rows are
// renumbered after every change so the formset always receives lines-0 … lines-(n-1) and the
// right TOTAL_FORMS. The live preview itself is htmx (hx-trigger on the form); a change in the
// rows announces itself with a "lines-changed" event so the preview follows.
(function () {
  "use strict";

  const editor = document.getElementById("invoice-editor");
  if (!editor) {
    return;
  }
  const rows = editor.querySelector("[data-lines]");
  const template = document.getElementById("invoice-line-template");
  const totalForms = editor.querySelector('input[name="lines-TOTAL_FORMS"]');
  const maxForms = Number(editor.querySelector('input[name="lines-MAX_NUM_FORMS"]').value);
  const addButton = editor.querySelector("[data-add-line]");
  const numbered = /lines-(\d+|__prefix__)-/g;
  const numberedAttributes = ["name", "id", "for", "data-field-error", "aria-describedby"];

  function renumber() {
    const lines = rows.querySelectorAll("[data-line]");
    lines.forEach(function (line, index) {
      line.querySelectorAll("*").forEach(function (element) {
        numberedAttributes.forEach(function (attribute) {
          const value = element.getAttribute(attribute);
          if (value) {
            element.setAttribute(attribute, value.replace(numbered, "lines-" + index + "-"));
          }
        });
      });
      line.querySelector("[data-line-number]").textContent = String(index + 1);
      // A draft always keeps one row to type in.
      line.querySelector("[data-remove-line]").disabled = lines.length === 1;
    });
    totalForms.value = String(lines.length);
    addButton.disabled = lines.length >= maxForms;
  }

  function linesChanged() {
    renumber();
    editor.dispatchEvent(new CustomEvent("lines-changed"));
  }

  addButton.addEventListener("click", function () {
    const line = template.content.firstElementChild.cloneNode(true);
    rows.appendChild(line);
    linesChanged();
    line.querySelector("input").focus();
  });

  rows.addEventListener("click", function (event) {
    const button = event.target.closest("[data-remove-line]");
    if (button) {
      button.closest("[data-line]").remove();
      linesChanged();
    }
  });

  renumber();
})();
