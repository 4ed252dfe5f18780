// Verify an Open Badges 3.0 credential with the Digital Credentials Consortium's libraries.
//
//   node verify.mjs credential.json   ->   {"verified": bool, "revoked": bool|null, "errors": [...]}
//
// JSON-LD contexts come only from the security-document-loader's bundled copies (never fetched).
// http://127.0.0.1 and http://localhost URLs — our local server's key, controller documents and status
// lists — are fetched. Our keys answer at their own URLs; a URL with a fragment (`controller#kid`, how
// credentials handed out before named their key) answers the matching entry of the document it names,
// as a DID resolver does (verifier_core.mjs shows what wallets do instead).
import {readFile} from 'node:fs/promises';

import * as vc from '@digitalcredentials/vc';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import {securityLoader} from '@digitalcredentials/security-document-loader';
import {checkStatus} from '@digitalcredentials/vc-bitstring-status-list';

const LOCAL = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//;
const bundled = securityLoader({fetchRemoteContexts: false}).build();

async function fetchJson(url) {
  const response = await fetch(url, {headers: {Accept: 'application/ld+json, application/json'}});
  if (!response.ok) {
    throw new Error(`GET ${url} answered ${response.status}`);
  }
  return response.json();
}

async function documentLoader(url) {
  if (!LOCAL.test(url)) {
    return bundled(url);
  }
  const [base, fragment] = url.split('#');
  const document = await fetchJson(base);
  if (fragment === undefined) {
    return {contextUrl: null, documentUrl: url, document};
  }
  const methods = [].concat(document.verificationMethod ?? []);
  const method = methods.find(m => m.id === url);
  if (!method) {
    throw new Error(`${base} lists no verification method ${url}`);
  }
  return {
    contextUrl: null,
    documentUrl: url,
    document: {'@context': document['@context'], ...method},
  };
}

function messages(result) {
  const found = [];
  const walk = (error) => {
    if (!error) return;
    if (Array.isArray(error)) return error.forEach(walk);
    if (error.errors) walk(error.errors);
    found.push(error.message ?? String(error));
    if (error.cause) walk(error.cause);
  };
  walk(result.error);
  for (const r of result.results ?? []) walk(r.error);
  for (const r of result.statusResult?.results ?? []) walk(r.error);
  if (result.statusResult?.error) walk(result.statusResult.error);
  return [...new Set(found)];
}

const path = process.argv[2];
if (!path) {
  console.error('usage: node verify.mjs credential.json');
  process.exit(2);
}
const credential = JSON.parse(await readFile(path, 'utf8'));
const suite = new DataIntegrityProof({cryptosuite});
let output;
try {
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const statuses = result.statusResult?.results ?? [];
  const revocation = statuses.find(s => s.credentialStatus?.statusPurpose === 'revocation');
  output = {
    verified: result.verified === true,
    signature: (result.results ?? []).every(r => r.verified) && (result.results ?? []).length > 0,
    revoked: revocation ? revocation.verified === false : null,
    errors: messages(result),
    log: result.log ?? [],
  };
} catch (error) {
  output = {verified: false, signature: false, revoked: null, errors: [error.message], log: []};
}
console.log(JSON.stringify(output));
