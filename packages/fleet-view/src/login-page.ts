// The login form shown instead of the fleet page when a token is required. The token travels in
// the POST body only, so it never lands in a URL, a history entry or an access log.

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The login page, with an optional error line. */
export function LOGIN_PAGE(error: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>hsagent fleet — log in</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem">
<h1>hsagent fleet</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/login">
<label for="token">Access token</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus style="width: 100%">
<p><button type="submit">Open the fleet view</button></p>
</form></body></html>
`;
}
