// email-ext's content tokens, which `emailext` expands itself in the subject, body, recipients,
// From and Reply-To (Groovy has already interpolated "${X}" in double quotes; '$X' in single
// quotes reaches the step as written, as in Jenkins).
//
//   $DEFAULT_SUBJECT / $DEFAULT_CONTENT / $DEFAULT_RECIPIENTS / $DEFAULT_REPLYTO   the host's defaults
//       (expanded first, so the tokens they contain are expanded too)
//   $PROJECT_NAME, $PROJECT_DISPLAY_NAME, $BUILD_NUMBER, $BUILD_ID, $BUILD_STATUS, $BUILD_URL,
//   $PROJECT_URL, $JENKINS_URL, $CAUSE, ${ENV, var="X"}, ${BUILD_LOG, maxLines=250, escapeHtml=false}
//   $X / ${X}   any variable of the step's environment (token-macro's environment fallback)
//   $$          a literal '$'
// A token that is none of these is left as written, as token-macro does.
// Pure functions over what the runtime gathered: no I/O here.

export interface TokenContext {
  job: string;
  number: number;
  /** 'Successful', 'Fixed', 'Failure', 'Still Failing', ... (buildStatus below). */
  status: string;
  env: Readonly<Record<string, string>>;
  defaults: { subject: string; content: string; recipients: string; replyTo: string };
  causes: string;
  /** The console so far, read only when ${BUILD_LOG} is used. */
  log: () => Promise<string>;
}

/** email-ext's BUILD_STATUS: the result, compared with the build before. */
export function buildStatus(result: string, previous: string | null): string {
  switch (result) {
    case 'FAILURE': return previous === 'FAILURE' ? 'Still Failing' : 'Failure';
    case 'UNSTABLE': return previous === 'UNSTABLE' ? 'Still Unstable' : 'Unstable';
    case 'SUCCESS': return previous === 'FAILURE' || previous === 'UNSTABLE' ? 'Fixed' : 'Successful';
    case 'ABORTED': return 'Aborted';
    case 'NOT_BUILT': return 'Not Built';
    default: return 'Unknown';
  }
}

// $NAME, ${NAME}, ${NAME, a=1, b="x"}; $$ is a literal dollar.
const TOKEN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_.]*)((?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^,}\s]+))*)\s*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function parseArgs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,}\s]+)/g)) {
    let v = m[2]!;
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function replaceAsync(text: string, fn: (m: RegExpExecArray) => Promise<string>): Promise<string> {
  let out = '';
  let last = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    out += text.slice(last, m.index) + await fn(m);
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}

/** Expands email-ext's tokens in `text`. */
export async function expandTokens(text: string, c: TokenContext): Promise<string> {
  // The defaults first: what they contain is expanded with the rest.
  const withDefaults = text.replace(/\$\{?(DEFAULT_SUBJECT|DEFAULT_CONTENT|DEFAULT_RECIPIENTS|DEFAULT_REPLYTO)\}?/g, (_m, name: string) =>
    name === 'DEFAULT_SUBJECT' ? c.defaults.subject : name === 'DEFAULT_CONTENT' ? c.defaults.content : name === 'DEFAULT_RECIPIENTS' ? c.defaults.recipients : c.defaults.replyTo);
  return replaceAsync(withDefaults, async (m) => {
    if (m[0] === '$$') return '$';
    const name = m[1] ?? m[3]!;
    const args = m[2] ? parseArgs(m[2]) : {};
    const url = c.env.BUILD_URL ?? '';
    switch (name) {
      case 'PROJECT_NAME': return c.job;
      case 'PROJECT_DISPLAY_NAME': return c.job.split('/').pop() ?? c.job;
      case 'BUILD_NUMBER': case 'BUILD_ID': return String(c.number);
      case 'BUILD_STATUS': return c.status;
      case 'BUILD_URL': return url;
      case 'PROJECT_URL': return c.env.JOB_URL ?? url.replace(/\d+\/?$/, '');
      case 'JENKINS_URL': return c.env.JENKINS_URL ?? '';
      case 'CAUSE': return c.causes;
      case 'ENV': return c.env[args.var ?? ''] ?? '';
      case 'BUILD_LOG': {
        const max = Number(args.maxLines ?? 250);
        const lines = (await c.log()).split('\n');
        if (lines.at(-1) === '') lines.pop();
        const tail = lines.slice(Math.max(0, lines.length - (Number.isFinite(max) && max >= 0 ? max : 250))).join('\n');
        return args.escapeHtml === 'true' ? escapeHtml(tail) : tail;
      }
      default: {
        const v = c.env[name];
        return v !== undefined ? v : m[0];
      }
    }
  });
}
