// Shared helpers of the file steps: decoding with a named charset; checking relative paths
// that come from a workspace (stash, unstash, archiveArtifacts) or end up on the controller.
import { StepFailure } from '../../core/errors.ts';

export function decode(data: Buffer, encoding: string | undefined, step: string): string {
  const enc = encoding ?? 'UTF-8';
  if (/^base64$/i.test(enc)) return data.toString('base64');
  try {
    return new TextDecoder(enc).decode(data);
  } catch {
    throw new StepFailure(`${step}: unknown encoding '${enc}'`);
  }
}

export function encode(text: string, encoding: string | undefined, step: string): Buffer {
  const enc = (encoding ?? 'UTF-8').toLowerCase();
  if (enc === 'base64') return Buffer.from(text, 'base64');
  if (enc === 'utf-8' || enc === 'utf8') return Buffer.from(text, 'utf8');
  if (enc === 'iso-8859-1' || enc === 'latin1' || enc === 'us-ascii' || enc === 'ascii') return Buffer.from(text, 'latin1');
  if (enc === 'utf-16le') return Buffer.from(text, 'utf16le');
  throw new StepFailure(`${step}: unsupported encoding '${encoding ?? ''}' (UTF-8, ISO-8859-1, US-ASCII, UTF-16LE, Base64)`);
}

/**
 * Why `rel` is not a plain relative path of files (null when it is): empty, absolute, NUL,
 * over 4096 characters, or a part that is empty, '.' or '..'. Such a path is refused, not
 * normalised: `a/../b` is not another name of `b`.
 */
export function relPathProblem(rel: string): string | null {
  if (typeof rel !== 'string' || rel === '') return 'the path is empty';
  if (rel.length > 4096) return 'the path is longer than 4096 characters';
  if (rel.includes('\0')) return 'the path contains a NUL character';
  // Backslashes are ordinary characters on Unix, but separators on a Windows agent that may
  // unstash the files: '..\\x' and '\\x' are refused too.
  if (rel.startsWith('/') || rel.startsWith('\\') || /^[A-Za-z]:/.test(rel)) return 'the path is absolute; only paths relative to the workspace directory can be kept';
  if (rel.split(/[\\/]/).includes('..')) return "the path has a '..' part, which would leave its directory";
  for (const part of rel.split('/')) {
    if (part === '.' || part === '') return "the path has an empty or '.' part; give it as a plain relative path";
  }
  return null;
}
