/**
 * Account emails, each written once and rendered as plain text and as HTML. Values are filled in
 * through `line`, a tagged template: the HTML part escapes every value, whoever chose it (a
 * username, a client's User-Agent), so no value can become markup.
 */
export type MailTemplate =
  | { kind: 'accountCreated'; username: string; password: string; expiresAt: string; signInUrl: string }
  | { kind: 'passwordReset'; username: string; password: string; expiresAt: string; signInUrl: string }
  | { kind: 'passwordChanged'; username: string }
  | { kind: 'signInAlert'; username: string; at: string; ip: string | null; userAgent: string | null };

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A value shown as a link in the HTML part (and as itself in the text part). */
interface Link {
  href: string;
}

type Value = string | Link;

/** One line of a paragraph: literal text with values between its pieces. */
interface Line {
  pieces: readonly string[];
  values: readonly Value[];
}

const line = (pieces: TemplateStringsArray, ...values: Value[]): Line => ({ pieces, values });
const link = (href: string): Link => ({ href });

/** Paragraphs of lines. */
type Body = readonly (readonly Line[])[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const asText = (value: Value): string => (typeof value === 'string' ? value : value.href);
const asHtml = (value: Value): string => {
  if (typeof value === 'string') return `<strong>${escapeHtml(value)}</strong>`;
  const href = escapeHtml(value.href);
  return `<a href="${href}">${href}</a>`;
};

const fill = (l: Line, show: (v: Value) => string, literal: (s: string) => string): string =>
  l.pieces.map((piece, i) => literal(piece) + (i < l.values.length ? show(l.values[i] as Value) : '')).join('');

function render(subject: string, body: Body): RenderedMail {
  const text = body.map((p) => p.map((l) => fill(l, asText, (s) => s)).join('\n')).join('\n\n') + '\n';
  const paragraphs = body.map((p) => `<p>${p.map((l) => fill(l, asHtml, escapeHtml)).join('<br>\n')}</p>`).join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222; max-width: 36em">
${paragraphs}
<p style="color: #777; font-size: smaller">ArchAIve</p>
</body></html>
`;
  return { subject, text, html };
}

const IF_NOT_YOU = line`If this was not you, contact the administrator at once.`;

/** The subject, text and HTML of an account email. */
export function renderMail(t: MailTemplate): RenderedMail {
  switch (t.kind) {
    case 'accountCreated':
      return render('Your new account | ArchAIve', [
        [line`歡迎 Welcome to ArchAIve, ${t.username}.`],
        [line`Username: ${t.username}`, line`One-time password: ${t.password}`],
        [line`It works until ${t.expiresAt}. Sign in at ${link(t.signInUrl)}: you will be asked to choose your own password first.`],
      ]);
    case 'passwordReset':
      return render('Your password was reset | ArchAIve', [
        [line`Hello ${t.username},`],
        [line`The administrator reset your password and signed you out everywhere.`, line`One-time password: ${t.password}`],
        [line`It works until ${t.expiresAt}. Sign in at ${link(t.signInUrl)}: you will be asked to choose your own password first.`],
      ]);
    case 'passwordChanged':
      return render('Password changed | ArchAIve', [
        [line`Hello ${t.username},`],
        [line`Your password was just changed, and your other sessions were signed out.`, IF_NOT_YOU],
      ]);
    case 'signInAlert':
      return render('New sign-in | ArchAIve', [
        [line`Hello ${t.username},`],
        [line`Your account was signed in at ${t.at} from ${t.ip ?? 'an unknown address'} (${t.userAgent ?? 'unknown client'}).`],
        [line`If this was not you, change your password and contact the administrator.`],
      ]);
  }
}
