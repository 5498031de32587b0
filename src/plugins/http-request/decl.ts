// The fixed value lists of the http-request plugin's parameters, shared by its declarations (index.ts)
// and its runtime (runtime.ts) without either importing the other.

export const HTTP_MODES = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'MKCOL'] as const;
export const MIME_TYPES: Readonly<Record<string, string>> = {
  NOT_SET: '', TEXT_HTML: 'text/html', TEXT_PLAIN: 'text/plain', APPLICATION_FORM: 'application/x-www-form-urlencoded',
  APPLICATION_JSON: 'application/json', APPLICATION_JSON_UTF8: 'application/json; charset=UTF-8', APPLICATION_TAR: 'application/x-tar',
  APPLICATION_ZIP: 'application/zip', APPLICATION_OCTETSTREAM: 'application/octet-stream', APPLICATION_FORM_DATA: 'multipart/form-data',
};
