import nodemailer, { type Transporter } from 'nodemailer';

export type MailTemplate =
  | { kind: 'accountCreated'; username: string; password: string; signInUrl: string }
  | { kind: 'passwordReset'; username: string; password: string; signInUrl: string }
  | { kind: 'passwordChanged'; username: string }
  | { kind: 'signInAlert'; username: string; at: string; ip: string | null; userAgent: string | null };

interface Rendered {
  subject: string;
  text: string;
}

function render(t: MailTemplate): Rendered {
  switch (t.kind) {
    case 'accountCreated':
      return {
        subject: 'Your new account | ArchAIve',
        text: `歡迎 Welcome to ArchAIve, ${t.username}.\n\nUsername: ${t.username}\nOne-time password: ${t.password}\n\nSign in at ${t.signInUrl} and change this password straight away.\n`,
      };
    case 'passwordReset':
      return {
        subject: 'Your password was reset | ArchAIve',
        text: `Hello ${t.username},\n\nThe administrator reset your password and signed you out everywhere.\nOne-time password: ${t.password}\n\nSign in at ${t.signInUrl} and change it straight away.\n`,
      };
    case 'passwordChanged':
      return {
        subject: 'Password changed | ArchAIve',
        text: `Hello ${t.username},\n\nYour password was just changed, and your other sessions were signed out. If this was not you, contact the administrator at once.\n`,
      };
    case 'signInAlert':
      return {
        subject: 'New sign-in | ArchAIve',
        text: `Hello ${t.username},\n\nYour account was signed in at ${t.at} from ${t.ip ?? 'an unknown address'} (${t.userAgent ?? 'unknown client'}). If this was not you, change your password and contact the administrator.\n`,
      };
  }
}

/** Sends account emails through SMTP when configured; `enabled` is false otherwise. */
export class Mailer {
  private readonly transport: Transporter | undefined;

  constructor(private readonly smtp: { url: string; from: string } | undefined) {
    this.transport = smtp === undefined ? undefined : nodemailer.createTransport(smtp.url);
  }

  get enabled(): boolean {
    return this.transport !== undefined;
  }

  /** Sends one email; resolves false (never throws) when delivery fails or SMTP is off. */
  async send(to: string, template: MailTemplate, onError: (error: unknown) => void): Promise<boolean> {
    if (this.transport === undefined || this.smtp === undefined) return false;
    const { subject, text } = render(template);
    try {
      await this.transport.sendMail({ from: this.smtp.from, to, subject, text });
      return true;
    } catch (error) {
      onError(error);
      return false;
    }
  }

  close(): void {
    this.transport?.close();
  }
}
