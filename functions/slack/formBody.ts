/** Slack's form-encoded bodies (slash commands, `payload=` of interactions), read strictly. */

export type ParsedForm = { ok: true; fields: Record<string, string> } | { ok: false; error: string };

/**
 * The fields of an `application/x-www-form-urlencoded` body. A field sent twice is refused (which one would
 * count is a guess), and the record has no prototype, so a field named `__proto__` is a field like any other.
 */
export function parseFormBody(text: string): ParsedForm {
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(fields, name)) return { ok: false, error: `form field ${name} sent twice` };
    fields[name] = value;
  }
  return { ok: true, fields };
}
