/**
 * Field names whose values are never stored, wherever a field comes from (event metadata, a
 * tailed log record, a Faro attribute): sensitive authentication data of a card (verification
 * codes, PIN, track data; PCI DSS 3.3.1) and credentials. Case, `_`, `-` and spaces are ignored
 * (`security-code`, `Security_Code`, `apiKey`). One list: the log tailer and Faro each had their
 * own, without `security_code`, `cav2` or track data, so `{"security_code":"123"}` in a JSON log
 * line was stored.
 */
const SENSITIVE =
  /^(cvv\d?|cvc\d?|cvn\d?|csc|cav\d?|pin|pinblock|securitycode|cardsecuritycode|cardverification(value|code)?|verificationcode|track[12]?|trackdata|magstripe|password|passwd|secret|clientsecret|token|accesstoken|refreshtoken|authorization|apikey)$/;

/** A field name as the lists match it: lower case, without `_`, `-` and spaces. */
export function fieldKey(key: string): string {
  return key.toLowerCase().replace(/[_\-\s]/g, '');
}

/**
 * Whether a field of this name must be dropped (`norm`: its `fieldKey`, when the caller has it). `cid` (the Amex card identification digits) is
 * also a common correlation id in logs: it is dropped only when its value looks like one (3–4
 * digits).
 */
export function isSensitiveField(key: string, value?: unknown, norm = fieldKey(key)): boolean {
  if (SENSITIVE.test(norm)) return true;
  return norm === 'cid' && /^\d{3,4}$/.test(String(value ?? ''));
}
