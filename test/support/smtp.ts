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
