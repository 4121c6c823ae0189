// Shared by the pages behind the links sent by email: calls to the JSON API of the same
// origin, problem details as text, the signed-in token of each audience, status messages.

/** Calls the API; `{status, body}` with the JSON body (or null). Network failures throw. */
export async function api(method, path, { token, body } = {}) {
  const headers = { accept: "application/json, application/problem+json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let parsed = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = null;
  }
  return { status: response.status, body: parsed };
}

/** What a problem document says, for people: its detail and each field's message. */
export function problemText(problem) {
  if (!problem || typeof problem !== "object") return "The server did not answer as expected.";
  const parts = [];
  if (problem.detail) parts.push(capitalise(problem.detail));
  for (const e of problem.errors || []) parts.push(capitalise(e.message || e.code));
  if (problem.status === 429) parts.push("Too many attempts: wait a minute and try again.");
  return parts.join(". ") || problem.title || `Error ${problem.status}`;
}

function capitalise(text) {
  const t = String(text).trim().replace(/\.$/, "");
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** Shows `text` in `element`, marked `ok` or `error` (data-outcome). */
export function say(element, text, outcome) {
  element.textContent = text;
  if (outcome) element.dataset.outcome = outcome;
  else delete element.dataset.outcome;
}

/** The single-use token of the link (`?token=`), removed from the address bar and history. */
export function takeLinkToken() {
  const token = new URLSearchParams(window.location.search).get("token");
  if (token) window.history.replaceState(null, "", window.location.pathname);
  return token;
}

/** The signed-in access token of each audience, for this tab only. */
export const session = {
  key: (role) => `rdv.access_token.${role}`,
  get(role) {
    return window.sessionStorage.getItem(this.key(role));
  },
  set(role, token) {
    window.sessionStorage.setItem(this.key(role), token);
  },
  clear(role) {
    window.sessionStorage.removeItem(this.key(role));
  },
};

/** Runs `work` with `button` disabled, whatever happens. */
export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

/** Asks for a new link by email: `path` is the API route taking `{email}`. */
export function offerNewLink(form, input, button, output, path) {
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(button, async () => {
      try {
        const r = await api("POST", path, { body: { email: input.value.trim() } });
        if (r.status === 202) {
          say(output, "If an account has this address, a new link is on its way.", "ok");
        } else {
          say(output, problemText(r.body), "error");
        }
      } catch {
        say(output, "The server could not be reached. Try again.", "error");
      }
    });
  });
}
