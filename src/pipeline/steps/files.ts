// Shared helpers of the file steps: decoding with a named charset.
import { StepFailure } from './errors.ts';

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
