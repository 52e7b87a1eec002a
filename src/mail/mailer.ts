import nodemailer, { type Transporter } from 'nodemailer';
import { renderMail, type MailTemplate } from './templates.js';

/** Sends account emails (HTML with a plain-text part) through SMTP when configured; `enabled` is false otherwise. */
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
    const { subject, text, html } = renderMail(template);
    try {
      await this.transport.sendMail({ from: this.smtp.from, to, subject, text, html });
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
