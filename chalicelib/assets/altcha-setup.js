// The "I'm not a robot" widget (altcha.js, ALTCHA's external build) ships no worker of its own: it solves the
// proof of work in our own worker file, never a blob: one (CSP worker-src 'self'). Loaded after altcha.js.
globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", () => new Worker("/assets/altcha-pbkdf2.js"));

// Once the check is done again, the server's "tick it" sentence beside it no longer applies.
for (const widget of document.querySelectorAll("altcha-widget")) {
  widget.addEventListener("verified", () => {
    const said = widget.parentElement.querySelector("#altcha-error");
    if (said) said.hidden = true;
  });
}
