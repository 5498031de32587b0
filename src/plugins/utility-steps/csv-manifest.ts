// readCSV / writeCSV and readManifest (pipeline-utility-steps).
//
//   def records = readCSV file: 'in.csv'     (or text: '...'); each record is a list of strings:
//     records[0][1], records[0].get(1), records[0].size(), records.each { r -> ... }
//   writeCSV file: 'out.csv', records: [['a', 'b'], ['1', '2']]
//   def mf = readManifest file: 'app.jar'    (a MANIFEST.MF, or a jar/war/ear holding one)
//     mf.main['Implementation-Version'], mf.entries['some/Class.class']['SHA-256-Digest']
//
// CSV is parsed by csv-parse (RFC 4180 as Commons CSV's CSVFormat.DEFAULT: comma, double quotes,
// quoted newlines, ragged rows allowed, empty lines skipped; a missing file gives no records, as
// in Jenkins, with a line saying so) and written with the same quoting rules (a field is
// quoted when it holds a comma, a quote, a CR or LF, or starts or ends with a blank; quotes are
// doubled; records end with CRLF as CSVFormat.DEFAULT does). Jenkins' `format:` takes a Java
// CSVFormat object (CSVFormat.DEFAULT.withHeader()); Kiln has no Java classes, so `format` is
// refused with that explanation rather than silently ignored.
// The manifest parser follows the JAR specification: `Name: value` lines, continuation lines
// starting with one space, sections separated by blank lines, a section with `Name:` an entry.
import { parse } from 'csv-parse';
import type { StepRun } from '../../pipeline/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr, str } from '../../pipeline/steps/args.ts';
import { isList, isMap, type GMap, type HostObject, type Value } from '../../pipeline/script/values.ts';
import { MAX_JSON_CHARS } from '../../pipeline/steps/parse-limits.ts';
import { fileOrText, readWsFile, wsPath } from './files.ts';
import { zipData, zipEntries } from './archives.ts';

function noFormat(step: string, v: Value | undefined): void {
  if (v !== undefined && v !== null) throw new StepFailure(`${step}: format (a Java CSVFormat) is not supported by Kiln, which has no Java classes; records are read and written as CSVFormat.DEFAULT (give a header row as the first record)`);
}

export const readCSV: StepRun = async (ctx, args) => {
  noFormat('readCSV', args.values.format);
  const file = str(args, 'file');
  const text = str(args, 'text');
  if (file !== undefined && text === undefined) {
    // Jenkins reads a missing file as no records; Kiln says so
    const abs = wsPath(ctx, 'readCSV', file);
    if (!(await ctx.workspace().stat(abs))) { ctx.log(`readCSV: ${abs} does not exist; no records`); return []; }
  }
  const [source] = await fileOrText(ctx, 'readCSV', file, text, MAX_JSON_CHARS);
  try {
    // the callback form of csv-parse (its ./sync entry is the same parser, but the import-rules
    // check cannot resolve that subpath export)
    const rows = await new Promise<string[][]>((resolve, reject) => {
      parse(source ?? '', { relax_column_count: true, skip_empty_lines: true, bom: true }, (err, records: string[][]) => (err ? reject(err) : resolve(records)));
    });
    return rows.map((r) => r.map((c) => c));
  } catch (err) {
    throw new StepFailure(`readCSV: ${str(args, 'file') ?? 'text'} is not valid CSV: ${err instanceof Error ? err.message : String(err)}`);
  }
};

function csvField(v: Value): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const writeCSV: StepRun = async (ctx, args) => {
  noFormat('writeCSV', args.values.format);
  const file = reqStr(args, 'file', 'writeCSV');
  const records = args.values.records;
  if (!isList(records)) throw new StepFailure('writeCSV: records must be a list of records (each a list of values)');
  const lines = records.map((r, i) => {
    if (isList(r)) return r.map(csvField).join(',');
    if (isMap(r)) return [...r.values()].map(csvField).join(',');
    throw new StepFailure(`writeCSV: record ${i} is not a list: ${String(r)}`);
  });
  await ctx.workspace().writeFile(wsPath(ctx, 'writeCSV', file), lines.map((l) => `${l}\r\n`).join(''));
  return null;
};

/** A manifest's main attributes and its named entries. */
export function parseManifest(text: string): { main: GMap; entries: GMap } {
  const lines: string[] = [];
  for (const l of text.split(/\r\n|\r|\n/)) {
    if (l.startsWith(' ') && lines.length > 0 && lines[lines.length - 1] !== '') lines[lines.length - 1] += l.slice(1);
    else lines.push(l);
  }
  const main: GMap = new Map();
  const entries: GMap = new Map();
  let section: GMap = main;
  let inMain = true;
  let fresh = false;
  for (const l of lines) {
    if (l === '') { inMain = false; fresh = true; continue; }
    const colon = l.indexOf(': ');
    if (colon <= 0) continue;
    const k = l.slice(0, colon);
    const v = l.slice(colon + 2);
    if (!inMain && fresh) {
      fresh = false;
      if (k === 'Name') { section = new Map(); entries.set(v, section); continue; }
      section = new Map();
    }
    section.set(k, v);
  }
  return { main, entries };
}

function manifestObject(m: { main: GMap; entries: GMap }): HostObject {
  const props: Record<string, Value> = { main: m.main, entries: m.entries };
  return {
    kind: 'host',
    typeName: 'org.jenkinsci.plugins.pipeline.utility.steps.conf.mf.SimpleManifest',
    getProperty: (name) => props[name],
    invokeMethod: (name, a) => (a.positional.length === 0 && (name === 'getMain' || name === 'getEntries') ? Promise.resolve(props[name === 'getMain' ? 'main' : 'entries']!) : undefined),
    toString: () => `SimpleManifest{main=${[...m.main.keys()].length} attributes, entries=${m.entries.size}}`,
  };
}

export const readManifest: StepRun = async (ctx, args) => {
  const file = str(args, 'file');
  const text = str(args, 'text');
  if ((file === undefined) === (text === undefined)) throw new StepFailure('readManifest: give exactly one of file or text');
  if (text !== undefined) return manifestObject(parseManifest(text));
  const { abs, data } = await readWsFile(ctx, 'readManifest', file!);
  if (data.length >= 4 && data.readUInt32LE(0) === 0x04034b50) {
    let found;
    try {
      const e = zipEntries(data).find((x) => x.name === 'META-INF/MANIFEST.MF');
      found = e ? zipData(data, e) : null;
    } catch (err) {
      throw new StepFailure(`readManifest: ${abs} is not a valid jar: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!found) throw new StepFailure(`readManifest: ${abs} has no META-INF/MANIFEST.MF`);
    return manifestObject(parseManifest(found.toString('utf8')));
  }
  return manifestObject(parseManifest(data.toString('utf8')));
};


