// The "I'm not a robot" widget (altcha.js, ALTCHA's external build) ships no worker of its own: it solves the
// proof of work in our own worker file, never a blob: one (CSP worker-src 'self'). Loaded after altcha.js.
globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", () => new Worker("/assets/altcha-pbkdf2.js"));
