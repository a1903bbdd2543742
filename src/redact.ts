/**
 * The one redaction step every output goes through (stdout, stderr, report files, job summary,
 * PR titles, bodies and comments): credentials from the environment and from URLs never leave
 * the process, even when a server, a proxy or an SDK echoes them back in an error.
 *
 * Three kinds of secret are removed:
 * - the values of credential environment variables (GITHUB_TOKEN, PULUMI_ACCESS_TOKEN,
 *   STACKFIT_PROMETHEUS_TOKEN, AWS_SECRET_ACCESS_KEY, … and any *_TOKEN / *_SECRET / *_PASSWORD
 *   / *_PASSPHRASE / *_KEY), read at each call so that a test or a late `export` is covered;
 * - values registered at run time (`registerSecret`: a token passed in an option);
 * - text shaped like a credential: URL userinfo (`https://user:pass@host`), credential query
 *   parameters (`?token=…`, `X-Amz-Signature=…`), `Authorization`-style `Bearer …` / `Basic …` /
 *   `token …`, and GitHub / Pulumi token formats.
 */

export const REDACTED = '***';

/** Credential variables by name (the generic pattern below catches most, these name the rest). */
const CREDENTIAL_ENV = new Set([
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'PULUMI_ACCESS_TOKEN',
  'PULUMI_CONFIG_PASSPHRASE',
  'STACKFIT_PROMETHEUS_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_PASSWORD',
  'ARM_CLIENT_SECRET',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_ACCOUNT_KEY',
  'GOOGLE_CREDENTIALS',
  'GOOGLE_CLOUD_KEYFILE_JSON',
  'GOOGLE_OAUTH_ACCESS_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
]);
const CREDENTIAL_NAME = /(TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE_KEY|ACCESS_KEY|API_KEY|_PAT)$/i;
/** Short values (`1`, `true`) would redact ordinary text; no real credential is this short. */
const MIN_SECRET_LENGTH = 6;

const registered = new Set<string>();

/** Adds a value to redact from every later output of this process (e.g. a token from an option). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

/** The secret values in an environment (exported for tests). */
export function secretsInEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    if (CREDENTIAL_ENV.has(name) || CREDENTIAL_NAME.test(name)) out.push(value);
  }
  return out;
}

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"<>]+@/gi;
const SECRET_QUERY =
  /([?&;](?:access_token|token|auth|key|api_key|apikey|password|passwd|secret|client_secret|sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential|code)=)[^&\s#'"<>]+/gi;
const AUTH_SCHEME = /\b(bearer|basic)(\s+|=|:\s*)[a-z0-9._~+/=-]{8,}/gi;
/** `token <value>` as in GitHub's `Authorization: token …`; long enough not to hit an English word. */
const TOKEN_SCHEME = /\b(token)(\s+|=|:\s*)[a-z0-9._~+/=-]{16,}/gi;
const TOKEN_FORMATS = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|pul-[a-f0-9]{40})\b/g;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with every known and every credential-shaped secret replaced by `***`. */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  if (text === '') return text;
  let out = text;
  const secrets = [...secretsInEnv(env), ...registered].sort((a, b) => b.length - a.length);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // The same value percent-encoded (in a URL an error message quotes).
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.replace(new RegExp(escapeRegExp(encoded), 'g'), REDACTED);
  }
  return out
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(SECRET_QUERY, `$1${REDACTED}`)
    .replace(AUTH_SCHEME, `$1$2${REDACTED}`)
    .replace(TOKEN_SCHEME, `$1$2${REDACTED}`)
    .replace(TOKEN_FORMATS, REDACTED);
}

/**
 * Control characters (C0 but tab and newline, DEL, C1, line/paragraph separators, bidi
 * overrides) as visible `\u{…}` escapes: a size or URN from a state file must not move the
 * cursor, retitle the terminal or hide text.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** On a terminal, stackfit's own colours and progress bar use CSI sequences (`ESC [ … letter`): kept. */
const CONTROL_EXCEPT_CSI =
  // eslint-disable-next-line no-control-regex -- control characters are what this finds
  /\u001b\[[0-9;?]*[A-Za-z]|\r(?!\n)|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(text: string, opts: { terminal?: boolean } = {}): string {
  const visible = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;
  if (!opts.terminal) return text.replace(/\r\n/g, '\n').replace(CONTROL, visible);
  return text.replace(CONTROL_EXCEPT_CSI, (m) => (m.length > 1 || m === '\r' ? m : visible(m)));
}

/**
 * A line that starts with `::` is a workflow command to the GitHub Actions runner (`::error::`,
 * `::add-mask::`, `::stop-commands::`). stackfit prints none, so such a line can only come from
 * untrusted text (a size in a preview): a backslash in front makes it inert and visible.
 */
export function neutralizeWorkflowCommands(text: string): string {
  return text.replace(/^([ \t]*)::/gm, '$1\\::');
}

/** Everything stackfit prints: redacted, control characters escaped, no workflow commands. */
export function safeOutput(text: string, opts: { terminal?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  return neutralizeWorkflowCommands(escapeControl(redact(text, opts.env), opts));
}
