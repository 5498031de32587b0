// XML read into plain nodes for report readers (xunit's formats, mstest's .trx): every element
// an array of nodes (attributes are '@name', text '#text'), so a reader walks one shape, with
// the three lookups they all need. fast-xml-parser expands no entity but the five XML ones and
// character references (with `charRefs`); callers refuse documents that declare entities.
import { XMLParser } from 'fast-xml-parser';

export type XmlNode = Record<string, unknown>;

/** A parser of that shape; `charRefs`: decode character references (&#x0A;) too. */
export function xmlNodeParser(o: { charRefs: boolean }): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    textNodeName: '#text',
    isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
    processEntities: true,
    htmlEntities: o.charRefs,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    removeNSPrefix: true,
  });
}

/** The children named `name` (a text-only child as a node holding its text). */
export const kids = (n: XmlNode | undefined, name: string): XmlNode[] => {
  const v = n?.[name];
  if (!Array.isArray(v)) return [];
  return v.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : { '#text': String(x) }));
};
export const kid = (n: XmlNode | undefined, name: string): XmlNode | undefined => kids(n, name)[0];
export const attr = (n: XmlNode | undefined, name: string): string | undefined => {
  const v = n?.[`@${name}`];
  return typeof v === 'string' ? v : undefined;
};
