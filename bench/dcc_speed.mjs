// eddsa-rdfc-2022 sign and verify speed with the Digital Credentials Consortium's Node libraries.
//
//   node bench/dcc_speed.mjs input.json   ->   one JSON line (milliseconds per operation)
//
// input.json (written by bench/verify_speed.py): {credential, seed_hex, controller, created, n,
// signed}: the unsigned credential, the Ed25519 seed our signer used, the issuer (the key's
// controller), the proof's created date, the number of runs, and our signed copy of the credential.
// The libraries are the ones `npm ci` installed in tests/dcc. JSON-LD contexts come only from the
// security-document-loader's bundled copies; the issuer's controller document and verification
// method are answered from memory (nothing is fetched, on either side of the comparison).
import {readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const DCC = join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'dcc');
const require = createRequire(join(DCC, 'package.json'));
const load = async name => import(pathToFileURL(require.resolve(name)).href);
const version = name =>
  JSON.parse(readFileSync(join(DCC, 'node_modules', name, 'package.json'), 'utf8')).version;

const {DataIntegrityProof} = await load('@digitalcredentials/data-integrity');
const {cryptosuite} = await load('@digitalcredentials/eddsa-rdfc-2022-cryptosuite');
const {securityLoader} = await load('@digitalcredentials/security-document-loader');
const Ed25519Multikey = await load('@digitalcredentials/ed25519-multikey');
const jsigsModule = await load('@digitalcredentials/jsonld-signatures');
const vc = await load('@digitalcredentials/vc');
const jsigs = jsigsModule.default ?? jsigsModule;
const {AssertionProofPurpose} = jsigs.purposes;

const input = JSON.parse(await readFile(process.argv[2], 'utf8'));
const {credential, controller, created, n, signed} = input;
const seed = Uint8Array.from(Buffer.from(input.seed_hex, 'hex'));
const key = await Ed25519Multikey.generate({controller, seed});
const method = {
  id: key.id,
  type: 'Multikey',
  controller,
  publicKeyMultibase: key.publicKeyMultibase,
};
const controllerDocument = {
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
  id: controller,
  verificationMethod: [method],
  assertionMethod: [method.id],
};
const bundled = securityLoader({fetchRemoteContexts: false}).build();
async function documentLoader(url) {
  if (url === controller) {
    return {contextUrl: null, documentUrl: url, document: controllerDocument};
  }
  if (url === method.id) {
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...method},
    };
  }
  return bundled(url);
}

const signer = key.signer();
const signingSuite = () => new DataIntegrityProof({signer, date: created, cryptosuite});
const verifyingSuite = new DataIntegrityProof({cryptosuite});
const copy = () => structuredClone(credential);

const sign = () => jsigs.sign(copy(), {suite: signingSuite(), purpose: new AssertionProofPurpose(), documentLoader});
const verify = document => jsigs.verify(document, {suite: verifyingSuite, purpose: new AssertionProofPurpose(), documentLoader});
const issue = () => vc.issue({credential: copy(), suite: signingSuite(), documentLoader});
const verifyCredential = document => vc.verifyCredential({credential: document, suite: verifyingSuite, documentLoader});

const WARM_UP = 20;

async function msPerCall(fn, runs) {
  for (let i = 0; i < WARM_UP; i++) {
    await fn(); // fills the loaders' caches and lets V8's JIT compile the hot paths
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    await fn();
  }
  return Number(process.hrtime.bigint() - start) / 1e6 / runs;
}

const ours = await verify(signed);
const theirs = await sign();
const output = {
  n,
  node: process.version,
  versions: {
    'eddsa-rdfc-2022-cryptosuite': version('@digitalcredentials/eddsa-rdfc-2022-cryptosuite'),
    'data-integrity': version('@digitalcredentials/data-integrity'),
    'jsonld-signatures': version('@digitalcredentials/jsonld-signatures'),
    vc: version('@digitalcredentials/vc'),
  },
  same_proof_value: theirs.proof?.proofValue === signed.proof?.proofValue,
  verifies_ours: ours.verified === true,
  errors: ours.verified ? [] : [String(ours.error?.errors?.[0]?.message ?? ours.error?.message ?? ours.error)],
  sign_ms: await msPerCall(sign, n),
  verify_ms: await msPerCall(() => verify(theirs), n),
  issue_ms: await msPerCall(issue, n),
  verify_credential_ms: await msPerCall(() => verifyCredential(theirs), n),
};
console.log(JSON.stringify(output));
