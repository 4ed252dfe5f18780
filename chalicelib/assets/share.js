// Share panel: "Copy link" buttons, shown only where the clipboard API exists (the links work without it).
for (const button of document.querySelectorAll("button.copy")) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", () =>
    navigator.clipboard.writeText(button.dataset.copy).then(() => { button.textContent = "Copied"; }, () => {}));
}
