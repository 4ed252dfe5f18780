// Passkeys (WebAuthn): sign in, confirm it is you, and add one in settings. Our own file, because the
// Content-Security-Policy allows no inline script. Each form[data-passkey] asks its data-options URL for a
// challenge (a form POST with the CSRF token), lets the device answer, and submits the answer as JSON.
(function () {
  "use strict";

  function supported() {
    return (
      typeof window.PublicKeyCredential === "function" &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
    );
  }

  function say(form, text) {
    var line = form.querySelector("[data-passkey-message]");
    line.textContent = text;
    line.hidden = false;
  }

  function problem(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "AbortError") {
      return "No passkey was used. Try again, or sign in another way.";
    }
    if (name === "InvalidStateError") {
      return "This device holds a passkey for your account already.";
    }
    if (name === "SecurityError") {
      return "Passkeys do not work on this address. Open Laurel at its usual address and try again.";
    }
    return "The passkey did not work. Try again, or sign in another way.";
  }

  async function options(form) {
    var body = new URLSearchParams();
    ["csrf_token", "name"].forEach(function (field) {
      var input = form.elements.namedItem(field);
      if (input) body.set(field, input.value);
    });
    var response = await fetch(form.dataset.options, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    var answer = await response.json().catch(function () { return {}; });
    return { ok: response.ok, answer: answer };
  }

  async function start(form, button) {
    if (!supported()) {
      say(form, "This browser cannot use passkeys. Use your password, or an up-to-date browser.");
      return;
    }
    button.disabled = true;
    try {
      var got = await options(form);
      if (got.answer.reauth) {
        window.location.assign(got.answer.reauth);
        return;
      }
      if (!got.ok) {
        say(form, got.answer.error || "Passkeys are not available just now. Try again in a moment.");
        return;
      }
      var credential;
      if (form.dataset.passkey === "register") {
        credential = await navigator.credentials.create({
          publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(got.answer.options),
        });
      } else {
        credential = await navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(got.answer.options),
        });
      }
      form.elements.namedItem("ceremony").value = got.answer.ceremony;
      form.elements.namedItem("credential").value = JSON.stringify(credential.toJSON());
      form.submit(); // a real navigation: the answer page, or the next page with the new session
    } catch (error) {
      say(form, problem(error));
    } finally {
      button.disabled = false;
    }
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    if (form.dataset.passkeyReady) return; // the partial may include this script more than once
    form.dataset.passkeyReady = "yes";
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      start(form, button);
    });
  });
})();
