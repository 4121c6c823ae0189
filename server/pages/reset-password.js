// /reset-password?token=…: sets the new password typed here with the token of the reset email.
import { api, busy, offerNewLink, problemText, say, takeLinkToken } from "./common.js";

const form = document.getElementById("reset");
const password = document.getElementById("new-password");
const repeat = document.getElementById("repeat-password");
const button = document.getElementById("set-password");
const message = document.getElementById("message");
const again = () =>
  offerNewLink(
    document.getElementById("again"),
    document.getElementById("again-email"),
    document.getElementById("again-button"),
    document.getElementById("again-message"),
    "/api/auth/password-reset/",
  );

const token = takeLinkToken();
if (!token) {
  say(message, "This link is incomplete: it has no token. Open the link of the email again.", "error");
  again();
} else {
  form.hidden = false;
  password.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (password.value !== repeat.value) {
    say(message, "The two passwords differ.", "error");
    return;
  }
  await busy(button, async () => {
    say(message, "Setting the password…");
    try {
      const r = await api("POST", "/api/auth/password-reset/confirm/", {
        body: { token, new_password: password.value },
      });
      if (r.status === 200) {
        form.hidden = true;
        say(message, "Your new password is set. Sign in with it.", "ok");
      } else {
        say(message, problemText(r.body), "error");
        // A refused password leaves the link usable; a spent or expired one does not.
        if (r.body && r.body.code === "INVALID_ONE_TIME_TOKEN") {
          form.hidden = true;
          again();
        }
      }
    } catch {
      say(message, "The server could not be reached. Try again.", "error");
    }
  });
});
