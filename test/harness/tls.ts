/**
 * A throwaway certificate authority and a server certificate it signed, made in-process with
 * node:crypto and a minimal DER (X.509 v3) writer, so TLS tests need no openssl binary and no
 * fixture keys in the repository. ECDSA P-256 with SHA-256; the server certificate names
 * `localhost` and 127.0.0.1 and is valid from an hour ago for a day.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

const tlv = (tag: number, content: Buffer): Buffer => {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const integer = (bytes: Buffer) => tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

const utcTime = (d: Date) => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));
const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

interface Issued {
  readonly cert: string;
  readonly der: Buffer;
}

function issue(o: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  extensions: Buffer[];
}): Issued {
  const now = Date.now();
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(randomBytes(16)),
    ECDSA_SHA256,
    name(o.issuer),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86_400_000))),
    name(o.subject),
    o.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...o.extensions)),
  );
  const signature = sign('sha256', tbs, o.signingKey);
  const der = seq(tbs, ECDSA_SHA256, bits(signature));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return { der, cert: `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n` };
}

export interface TestPki {
  /** PEM of the CA: what a client must trust (`lb probe --ca-file`). */
  readonly caPem: string;
  /** PEM of the server certificate and its PKCS#8 key, for `https.createServer`. */
  readonly cert: string;
  readonly key: string;
}

/** `withLoopbackIp: false` leaves 127.0.0.1 out of the server certificate (to see a name mismatch refused). */
export function makeTestPki(hostname = 'localhost', withLoopbackIp = true): TestPki {
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caCert = issue({
    subject: 'ecsctl test CA',
    issuer: 'ecsctl test CA',
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      extension('2.5.29.19', true, seq(bool(true))), // basicConstraints: CA
      extension('2.5.29.15', true, bits(Buffer.from([0x06]), 1)), // keyUsage: keyCertSign, cRLSign
    ],
  });
  const san = seq(
    tlv(0x82, Buffer.from(hostname)),
    ...(withLoopbackIp ? [tlv(0x87, Buffer.from([127, 0, 0, 1]))] : []),
  );
  const serverCert = issue({
    subject: hostname,
    issuer: 'ecsctl test CA',
    publicKey: server.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      extension('2.5.29.19', true, seq()), // basicConstraints: not a CA
      extension('2.5.29.15', true, bits(Buffer.from([0x80]), 7)), // keyUsage: digitalSignature
      extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
      extension('2.5.29.17', false, san), // subjectAltName
    ],
  });
  // Parse both back: a malformed encoding fails here, not as a confusing TLS error later.
  const parsedCa = new X509Certificate(caCert.cert);
  if (!new X509Certificate(serverCert.cert).verify(parsedCa.publicKey)) throw new Error('test PKI: bad signature');
  const key = createPrivateKey(server.privateKey.export({ type: 'pkcs8', format: 'pem' })).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return { caPem: caCert.cert, cert: serverCert.cert, key };
}
