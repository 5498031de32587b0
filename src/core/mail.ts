// The contract between the mail plugin's steps (`emailext`, `mail`: src/plugins/mail/) and the
// host that sends their messages (the controller with its SMTP settings, `kiln run` with
// KILN_SMTP_URL). The steps compose a message and compute its recipients from what the host
// knows about the build (who made its commits, who started it); the host owns the SMTP server,
// its password and the sending, so no secret of the server ever reaches a step.
// Contracts only: this folder imports nothing else of src.

/** A person a recipient provider names: a commit's author, the user who started the build. */
export interface MailPerson {
  /** The user id or the commit author's name, for messages. */
  name: string;
  /** Their address when known (a user's e-mail, a commit's author e-mail); null otherwise. */
  email: string | null;
}

/** The host's defaults (Jenkins' "Extended E-mail Notification" and "E-mail Notification" settings), no secrets. */
export interface MailDefaults {
  /** The From address when a step gives none (Jenkins' System Admin e-mail address). */
  from: string;
  /** Reply-To when a step gives none; '' for none. */
  replyTo: string;
  /** '@example.com': appended to a recipient without '@' (Jenkins' Default user e-mail suffix); '' for none. */
  defaultSuffix: string;
  /** What `$DEFAULT_SUBJECT`, `$DEFAULT_CONTENT` and `$DEFAULT_RECIPIENTS` expand to. */
  defaultSubject: string;
  defaultContent: string;
  defaultRecipients: string;
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
}

/** A message as a step composed it; every address already checked (no CR/LF). */
export interface MailMessage {
  from: string;
  replyTo: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body: string;
  /** 'text/plain' or 'text/html'. */
  mimeType: string;
  charset: string;
  attachments: MailAttachment[];
}

/** What the build knows that recipient providers and tokens read. */
export interface MailBuildFacts {
  /** The authors of the commits this build is the first to contain. */
  developers(): Promise<MailPerson[]>;
  /** The authors of the commits since the last successful build (this build's included). */
  culprits(): Promise<MailPerson[]>;
  /** The user who started the build, or the upstream build that started it, and so on up (email-ext's requestor()); null: no user (a timer, a webhook). */
  requestor(): Promise<MailPerson | null>;
  /** The user who started this build itself, no upstream followed (email-ext's buildUser()); null: no user did. */
  buildUser(): Promise<MailPerson | null>;
  /** The authors of the commits of the upstream build that started this one; [] when none. */
  upstreamDevelopers(): Promise<MailPerson[]>;
  /** The result of the build before this one, or null when there is none. */
  previousResult(): Promise<string | null>;
  /** The build's console so far, as shown (secrets masked). */
  console(): Promise<Buffer>;
}

export interface MailServices extends MailBuildFacts {
  /** The defaults, or null when no SMTP server is configured. */
  defaults(): Promise<MailDefaults | null>;
  /** What to do to configure one ("an administrator sets the SMTP server in Settings → E-mail"). */
  readonly notConfigured: string;
  /** Sends over the host's SMTP server; rejects with a MailError saying what went wrong in plain words. */
  send(message: MailMessage): Promise<{ accepted: string[]; rejected: string[] }>;
}
