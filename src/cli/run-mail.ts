// How `kiln run` sends the mail plugin's e-mail (core/mail.ts MailServices): only to an SMTP
// server named in the environment, never a guessed one.
//
//   KILN_SMTP_URL        smtp://[user:password@]host[:port][?starttls=true]  or  smtps://...
//                        (?tls.rejectUnauthorized=false trusts a self-signed certificate)
//   KILN_MAIL_FROM       the default From (default: <user>@<hostname>)
//   KILN_MAIL_SUFFIX     the default e-mail suffix for bare names ('@example.com')
//   KILN_MAIL_REPLY_TO   the default Reply-To
//
// Without KILN_SMTP_URL the steps fail saying to set it. What the build knows of its people:
// the requestor is this machine's user, with the address of `git config user.email` in the
// project; a run has no change set (developers and culprits are empty). The console attached
// is the run's console.log so far (secrets were masked before it was written).
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import type { WriteStream } from 'node:fs';
import type { MailServices } from '../core/mail.ts';
import { MailError, sendMail, smtpFromUrl } from '../util/smtp.ts';

export function localMail(o: { env: NodeJS.ProcessEnv; cwd: string; logFile: WriteStream; logPath: string; previousResult: string | null }): MailServices {
  const url = o.env.KILN_SMTP_URL?.trim() ?? '';
  const gitEmail = () => new Promise<string | null>((resolve) => {
    execFile('git', ['config', 'user.email'], { cwd: o.cwd, timeout: 10_000 }, (err, out) => resolve(err ? null : out.trim() || null));
  });
  return {
    notConfigured: 'kiln run has no SMTP server: set KILN_SMTP_URL=smtp://host:port (or smtps://user:password@host:465) to send mail',
    async defaults() {
      if (!url) return null;
      smtpFromUrl(url); // a malformed URL fails the step, saying what is wrong with it
      return {
        from: o.env.KILN_MAIL_FROM?.trim() || `${os.userInfo().username}@${os.hostname()}`,
        replyTo: o.env.KILN_MAIL_REPLY_TO?.trim() ?? '',
        defaultSuffix: o.env.KILN_MAIL_SUFFIX?.trim() ?? '',
        defaultSubject: '',
        defaultContent: '',
        defaultRecipients: '',
      };
    },
    async send(msg) {
      if (!url) throw new MailError('settings', 'kiln run has no SMTP server: set KILN_SMTP_URL');
      return sendMail(smtpFromUrl(url), msg);
    },
    developers: async () => [],
    culprits: async () => [],
    upstreamDevelopers: async () => [],
    requestor: async () => ({ name: os.userInfo().username, email: await gitEmail() }),
    buildUser: async () => ({ name: os.userInfo().username, email: await gitEmail() }),
    previousResult: async () => o.previousResult,
    async console() {
      // Writes complete in order: once this empty one is flushed, everything before it is in the file.
      await new Promise<void>((resolve) => o.logFile.write('', () => resolve()));
      return fsp.readFile(o.logPath).catch(() => Buffer.alloc(0));
    },
  };
}
