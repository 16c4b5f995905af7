import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.ts';

/**
 * Sends through an SMTP server named by a URL: `smtps://user:pass@host:465` (TLS from the start) or
 * `smtp://host:587` (STARTTLS when the server offers it). One pooled-by-nodemailer transport per process.
 */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(options: { url: string; from: string }) {
    this.#transport = nodemailer.createTransport(options.url);
    this.#from = options.from;
  }

  async send(message: MailMessage): Promise<void> {
    await this.#transport.sendMail({
      from: this.#from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
    });
  }

  /** Closes idle connections so the process can exit. */
  close(): void {
    this.#transport.close();
  }
}
