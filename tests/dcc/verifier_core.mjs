// Verify a credential exactly as the DCC's wallets do: @digitalcredentials/verifier-core, unmodified,
// called as its README shows (its own document loader, no options of ours).
//
//   node verifier_core.mjs credential.json result.json   ->   result.json: verifyCredential's answer
//
// The result goes to a file because verifier-core prints to stdout itself (its schema check logs the
// failed fetch of the OB 3.0 JSON Schema from purl.imsglobal.org when there is no internet).
// Its loader (securityLoader({fetchRemoteContexts: true})) answers the JSON-LD contexts from bundled copies
// and fetches every other http(s) URL whole: our key documents, controller documents and status lists.
import {readFile, writeFile} from 'node:fs/promises';

import {verifyCredential} from '@digitalcredentials/verifier-core';

const [credentialPath, resultPath] = process.argv.slice(2);
if (!credentialPath || !resultPath) {
  console.error('usage: node verifier_core.mjs credential.json result.json');
  process.exit(2);
}
const credential = JSON.parse(await readFile(credentialPath, 'utf8'));
// Trust registries list issuers by DID; ours are https URLs, so none would list them: `registered_issuer`
// is false whatever the list, and an empty one keeps the check offline.
const result = await verifyCredential({credential, knownDIDRegistries: []});
const plain = JSON.stringify(result, (key, value) => (value instanceof Error ? {name: value.name, message: value.message} : value));
await writeFile(resultPath, plain);
