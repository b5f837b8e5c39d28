// Why a connection attempt failed, as far as the fix goes: the credentials, the server's
// certificate, or anything else (address, network, server down). Kafka and PostgreSQL
// clients both wrap the socket's error, so the whole cause chain is searched.

/** Node's codes for a certificate chain or name the client does not trust. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** KafkaJS's refusal of SASL credentials, when the error's class did not survive its wrapping. */
const REFUSED_CREDENTIALS_MESSAGE = /SASL .*authentication failed|Authentication failed/i;

const UNTRUSTED_MESSAGE = /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|Hostname\/IP does not match certificate/i;

export type ConnectionFailure = 'auth' | 'tls' | 'other';

function* chain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    const next = (current as { cause?: unknown; originalError?: unknown });
    current = next.cause ?? next.originalError;
  }
}

export function connectionFailureOf(error: unknown): ConnectionFailure {
  for (const link of chain(error)) {
    const { code, name, message } = link as { code?: unknown; name?: unknown; message?: unknown };
    if (name === 'KafkaJSSASLAuthenticationError') return 'auth';
    if (code === '28P01' || code === '28000') return 'auth'; // PostgreSQL: invalid password, invalid authorization
    if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code)) return 'tls';
    if (typeof message === 'string' && REFUSED_CREDENTIALS_MESSAGE.test(message)) return 'auth';
    if (typeof message === 'string' && UNTRUSTED_MESSAGE.test(message)) return 'tls';
  }
  return 'other';
}
