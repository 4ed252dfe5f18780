// A real OpenID Connect provider for Laurel's e2e and browser tests (panva's oidc-provider), offline.
//
//   node provider.mjs <port> <redirect base, e.g. http://127.0.0.1:8123>
//
// Two issuers on one port: http://127.0.0.1:<port>/google (Google-like: given_name, family_name,
// email_verified) and /generic. devInteractions login: type any login; it is the subject, and the address
// is <login>@example.org (or the login itself when it holds an "@"); a login starting "unverified" has
// email_verified false. Consent is given at once (a first-party app).
// Clients: laurel-google and laurel-generic sign honestly; the tamper-* clients of /google get an ID token
// re-signed after one claim was changed (wrong nonce, wrong aud, expired) or signed by a foreign key.
// Every client's secret is "secret-<client id>". Prints "ready" when listening.
import http from "node:http";
import Provider from "oidc-provider";
import * as jose from "jose";

const [port, redirectBase] = [Number(process.argv[2]), process.argv[3]];
const base = `http://127.0.0.1:${port}`;
const TAMPER = ["tamper-wrong-nonce", "tamper-wrong-aud", "tamper-expired", "tamper-foreign-key"];

async function signingKey(kid) {
  const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
}

function client(id, provider) {
  return {
    client_id: id,
    client_secret: `secret-${id}`,
    redirect_uris: [`${redirectBase}/login/oidc/${provider}/callback`],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  };
}

function account(ctx, login) {
  const email = login.includes("@") ? login : `${login}@example.org`;
  const given = login.split(/[@.-]/)[0];
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        email,
        email_verified: !login.startsWith("unverified"),
        given_name: given.charAt(0).toUpperCase() + given.slice(1),
        family_name: "Tester",
      };
    },
  };
}

async function issuer(path, clients, key) {
  const provider = new Provider(`${base}/${path}`, {
    clients,
    jwks: { keys: [key] },
    findAccount: account,
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["given_name", "family_name"] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    conformIdTokenClaims: false, // like Google: the scopes' claims are in the ID token itself
    cookies: { keys: ["laurel-test-oidc-provider-cookie-key"] },
    async loadExistingGrant(ctx) {
      // first-party: consent is given at once, for what was asked
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  provider.proxy = false;
  return provider;
}

async function tampered(idToken, clientId, key, foreign) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (clientId === "tamper-wrong-nonce") claims.nonce = "not-the-nonce-laurel-sent";
  if (clientId === "tamper-wrong-aud") claims.aud = "someone-elses-client";
  if (clientId === "tamper-expired") Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  const signer = clientId === "tamper-foreign-key" ? foreign : key;
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: key.kid })
    .sign(await jose.importJWK(signer, "RS256"));
}

const googleKey = await signingKey("google-1");
const foreignKey = { ...(await signingKey("google-1")) }; // same kid, another key: only the signature tells
const google = await issuer("google", [client("laurel-google", "google"), ...TAMPER.map((id) => client(id, id))], googleKey);
const generic = await issuer("generic", [client("laurel-generic", "corp")], await signingKey("generic-1"));

google.use(async (ctx, next) => {
  await next();
  if (ctx.path === "/token" && ctx.body?.id_token && TAMPER.includes(ctx.oidc?.client?.clientId)) {
    ctx.body = { ...ctx.body, id_token: await tampered(ctx.body.id_token, ctx.oidc.client.clientId, googleKey, foreignKey) };
  }
});

const mounted = { "/google": google.callback(), "/generic": generic.callback() };
http
  .createServer((req, res) => {
    const prefix = Object.keys(mounted).find((p) => req.url === p || req.url.startsWith(`${p}/`) || req.url.startsWith(`${p}?`));
    if (!prefix) {
      res.writeHead(404).end();
      return;
    }
    req.originalUrl = req.url;
    req.url = req.url.slice(prefix.length) || "/";
    mounted[prefix](req, res);
  })
  .listen(port, "127.0.0.1", () => console.log("ready"));
