// /invitation?token=…: a staff member accepts the owner's invitation by choosing a password;
// the account is created and signed in (the dashboard reads the token from sessionStorage).
import { api, busy, problemText, say, session, takeLinkToken } from "./common.js";

const form = document.getElementById("accept");
const password = document.getElementById("new-password");
const repeat = document.getElementById("repeat-password");
const button = document.getElementById("accept-button");
const message = document.getElementById("message");
const next = document.getElementById("next");

// Codes after which the link cannot work again: say so and hide the form.
const FINAL = {
  INVALID_ONE_TIME_TOKEN: "This invitation is unknown or was withdrawn. Ask the business for a new one.",
  INVITATION_USED: "This invitation was already accepted. Sign in with your email and password.",
  INVITATION_EXPIRED: "This invitation has expired. Ask the business to invite you again.",
  EMAIL_TAKEN: "An account already uses this email. Ask the business to invite another address.",
};

const token = takeLinkToken();
if (!token) {
  say(message, "This link is incomplete: it has no token. Open the link of the email again.", "error");
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
    say(message, "Creating your account…");
    try {
      const r = await api("POST", "/api/auth/invitation/accepter/", {
        body: { token, password: password.value },
      });
      if (r.status === 200) {
        form.hidden = true;
        session.set("staff", r.body.access_token);
        say(message, `Welcome, your account ${r.body.user.email} is ready.`, "ok");
        next.hidden = false;
      } else if (r.body && FINAL[r.body.code]) {
        form.hidden = true;
        say(message, FINAL[r.body.code], "error");
      } else {
        // A refused password leaves the invitation usable.
        say(message, problemText(r.body), "error");
      }
    } catch {
      say(message, "The server could not be reached. Try again.", "error");
    }
  });
});
