// Customer pages: ask before a form marked data-confirm="<question>" is submitted (deleting a
// contact). Without JavaScript the form submits directly.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
