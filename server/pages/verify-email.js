// /verify-email?token=…: spends the token of the verification email.
import { api, offerNewLink, problemText, say, takeLinkToken } from "./common.js";

const message = document.getElementById("message");
const resend = () =>
  offerNewLink(
    document.getElementById("resend"),
    document.getElementById("resend-email"),
    document.getElementById("resend-button"),
    document.getElementById("resend-message"),
    "/api/auth/verify-email/resend/",
  );

async function verify() {
  const token = takeLinkToken();
  if (!token) {
    say(message, "This link is incomplete: it has no token. Open the link of the email again.", "error");
    resend();
    return;
  }
  try {
    const r = await api("POST", "/api/auth/verify-email/", { body: { token } });
    if (r.status === 200) {
      say(message, "Your email address is verified. You can now sign in.", "ok");
    } else {
      say(message, problemText(r.body), "error");
      resend();
    }
  } catch {
    say(message, "The server could not be reached. Reload this page to try again.", "error");
  }
}

verify();
