/** One e-mail to one recipient: password resets, invitations and alert notifications. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  /** The plain-text body; always sent, as some clients show nothing else. */
  readonly text: string;
  readonly html?: string;
}

/** The port for sending e-mail: SMTP in production, an outbox directory in development and tests. */
export interface Mailer {
  /** Resolves once the message was handed over (accepted by the server, or written); rejects otherwise. */
  send(message: MailMessage): Promise<void>;
}
