// akhbar's page works without this script; it adds the keyboard and a quicker sort menu.
"use strict";

document.addEventListener("keydown", (event) => {
  // "/" puts the cursor in the search box (as on most search sites), unless one is typing
  const target = event.target;
  const typing = target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const box = document.querySelector('header input[name="q"]');
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  }
});

document.addEventListener("DOMContentLoaded", () => {
  // choosing another order or "any word" applies it at once
  for (const field of document.querySelectorAll("form.sort select, form.sort input[type=checkbox]")) {
    field.addEventListener("change", () => field.form.submit());
  }
});
