import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
export async function startSmtp(): Promise<{
  url: string;
  /** The first mail received so far or within 5 s that matches. */
  mailTo: (to: string, raw: RegExp) => Promise<ReceivedMail>;
  close: () => Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const mailTo = async (to: string, raw: RegExp) => {
    const find = () => mails.find((m) => m.to.includes(to) && raw.test(m.raw));
    for (let i = 0; i < 100 && find() === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    const mail = find();
    if (mail === undefined) throw new Error(`no mail to ${to} matching ${raw}`);
    return mail;
  };
  return { url: `smtp://127.0.0.1:${port}`, mailTo, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Decodes a MIME part's body by its Content-Transfer-Encoding (UTF-8 text). */
function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  const bytes: number[] = [];
  const joined = body.replace(/=\r?\n/g, '');
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? /^[0-9A-F]{2}/i.exec(joined.slice(i + 1, i + 3)) : null;
    if (hex !== null) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i] as string, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The decoded body of each part of a mail by media type (`text/plain`, `text/html`), multipart or not. */
export function mailParts(raw: string): Record<string, string> {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const chunks = boundary === undefined ? [raw] : raw.split(`--${boundary}`).slice(1, -1);
  const parts: Record<string, string> = {};
  for (const chunk of chunks) {
    const split = /\r?\n\r?\n/.exec(chunk);
    if (split === null) continue;
    const head = chunk.slice(0, split.index);
    const type = /content-type:\s*([^;\s]+)/i.exec(head)?.[1]?.toLowerCase();
    if (type !== undefined) parts[type] = decode(chunk.slice(split.index + split[0].length).trimEnd(), /content-transfer-encoding:\s*(\S+)/i.exec(head)?.[1]?.toLowerCase());
  }
  return parts;
}
