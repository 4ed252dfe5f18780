"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite: RDFC-1.0, Ed25519, Multikey, base58btc."""

from __future__ import annotations

import json
import re
from functools import cache
from hashlib import sha256
from typing import Any

from .canonical import CanonicalizationError, PoisonDatasetError
from .jsonld import CREDENTIALS_V2, OB_V3P0, UnknownContextError, document_loader

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub, varint-encoded
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
# An absolute IRI that N-Quads writes as it is (no characters that would need escaping).
_PLAIN_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`]*")
_FAST_PROOF_CONTEXTS = ([CREDENTIALS_V2, OB_V3P0], [CREDENTIALS_V2], CREDENTIALS_V2)
_FAST_PROOF_KEYS = {"@context", "type", "cryptosuite", "created", "verificationMethod", "proofPurpose"}
# RDFC-1.0 output for a proof configuration holding exactly _FAST_PROOF_KEYS (checked against PyLD in tests).
_SEC = "https://w3id.org/security#"
_PROOF_NQUADS = (
    '_:c14n0 <http://purl.org/dc/terms/created> "{created}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'
    f"_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{_SEC}DataIntegrityProof> .\n"
    f'_:c14n0 <{_SEC}cryptosuite> "eddsa-rdfc-2022"^^<{_SEC}cryptosuiteString> .\n'
    f"_:c14n0 <{_SEC}proofPurpose> <{_SEC}assertionMethod> .\n"
    f"_:c14n0 <{_SEC}verificationMethod> <{{verification_method}}> .\n"
)


_MEMO_LIMIT = 1024
_RECENT_LIMIT = 16
_RECENT_OUTCOMES: dict[tuple[bytes, bytes], bool | CanonicalizationError] = {}
# RDFC-1.0 time grows about with the cube of a chain of blank nodes (a 200-deep one takes minutes) and
# with the number of them; a credential is some 5 levels and 30 objects deep, so these bounds leave room.
MAX_NESTING = 20
MAX_OBJECTS = 500
# JSON-LD expansion costs about 5 µs a value: 20,000 values (a credential has a few hundred) is 0.1 s.
MAX_VALUES = 20_000
# An inline context is processed again for every node it applies to (the bundled ones are remembered):
# 200 values of definitions applied to 500 objects is about 0.2 s; a credential's own terms are a handful.
MAX_CONTEXT_VALUES = 200
# Relative IRIs resolve against this base so they can be seen and refused, as DCC's safe mode does
# (PyLD would otherwise resolve them silently against http://example.org/base/). .invalid never resolves.
_RELATIVE_BASE = "https://relative-iri.invalid/"


# --- base58btc and Multikey ---------------------------------------------------------------------


def base58btc(data: bytes) -> str:
    """Bitcoin-alphabet base58 of bytes, leading zero bytes kept as '1'."""
    n, digits = int.from_bytes(data, "big"), []
    while n:
        n, r = divmod(n, 58)
        digits.append(_B58[r])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str, max_bytes: int = 1024) -> bytes:
    """The bytes of a base58btc string; ValueError on a character outside the alphabet, or on text
    longer than max_bytes could need (decoding is quadratic in the length: 200 KB would take seconds)."""
    if len(text) > 2 * max_bytes:  # a byte needs at most log(256)/log(58) < 1.37 characters
        raise ValueError(f"longer than {max_bytes} bytes of base58btc")
    n = 0
    for c in text:
        if c not in _B58_INDEX:
            raise ValueError(f"not base58btc: {c!r}")
        n = n * 58 + _B58_INDEX[c]
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")


def multikey(public_key: bytes) -> str:
    """The Multikey publicKeyMultibase ("z6Mk…") of a 32-byte Ed25519 public key."""
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return "z" + base58btc(_ED25519_PUB + public_key)


def public_key_from_multikey(value: str) -> bytes:
    """The 32-byte Ed25519 public key in a Multikey publicKeyMultibase; ValueError otherwise."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("a Multikey value is base58btc multibase, starting with 'z'")
    raw = base58btc_decode(value[1:], max_bytes=34)
    if len(raw) != 34 or not raw.startswith(_ED25519_PUB):
        raise ValueError("not an Ed25519 Multikey")
    return raw[2:]


# --- keys ---------------------------------------------------------------------------------------


def generate_key(seed: bytes) -> tuple[bytes, bytes]:
    """The Ed25519 key of a 32-byte random `seed` (the caller draws it: os.urandom(32)) as
    (seed, 32-byte public key)."""
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    return seed, public_key(seed)


def public_key(private_key: bytes) -> bytes:
    """The 32-byte Ed25519 public key of a 32-byte private seed."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(private_key).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- canonicalisation ---------------------------------------------------------------------------


def check_shape(document: Any) -> None:
    """CanonicalizationError for JSON nested deeper than MAX_NESTING, or holding more than MAX_OBJECTS
    objects, MAX_VALUES values (array items and object members) or MAX_CONTEXT_VALUES in inline contexts.

    Walks with a stack, not recursion, so any depth the JSON parser accepted is measured safely.
    """
    objects, values, in_contexts, stack = 0, 0, 0, [(document, 1, False)]
    while stack:
        value, depth, in_context = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_NESTING:
            raise CanonicalizationError(f"it is nested more than {MAX_NESTING} levels deep")
        objects += isinstance(value, dict)
        values += len(value)
        in_contexts += len(value) if in_context else 0
        if objects > MAX_OBJECTS:
            raise CanonicalizationError(f"it holds more than {MAX_OBJECTS} JSON objects")
        if values > MAX_VALUES:
            raise CanonicalizationError(f"it holds more than {MAX_VALUES} values")
        if in_contexts > MAX_CONTEXT_VALUES:
            raise CanonicalizationError(
                f"its own @context definitions hold more than {MAX_CONTEXT_VALUES} values"
            )
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        stack.extend((item, depth + 1, in_context or key == "@context") for key, item in items)


def canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, contexts from the bundled copies only.

    Raises UnknownContextError for a context that is not bundled, PoisonDatasetError for blank nodes too
    costly to put in order (rdfc.py), CanonicalizationError for the rest (including a document too deep
    or too large to canonicalise in reasonable time: check_shape).
    """
    from pyld.jsonld import JsonLdError

    from .rdfc import BoundedCanonizer  # PyLD is imported only when a document is canonicalised

    check_shape(document)

    def refuse(term: str | None) -> None:
        raise CanonicalizationError(f"property {term!r} is not defined by the document's @context")

    processor = _processor_class()
    try:
        dataset = processor(on_property_dropped=refuse).to_rdf(document, processor.options())
        nquads = BoundedCanonizer().main(dataset, {"format": "application/n-quads"})
    except JsonLdError as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, UnknownContextError):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise UnknownContextError(cause.url) from exc
        raise CanonicalizationError(f"not valid JSON-LD: {exc}") from exc
    if "<" + _RELATIVE_BASE in nquads:
        raise CanonicalizationError(
            "a relative IRI has no meaning in a credential (ids and types are absolute)"
        )
    return nquads


@cache
def _processor_class() -> type:
    """PyLD's processor, remembering across calls how each immutable context applies to each active one
    (and bounding the merging of expanded nodes: check_node_values).

    PyLD re-processes every type-scoped context for every node (a fresh child context each time), which is
    two thirds of its time on a credential. A processed context depends only on the active context, the
    local context and the flags, so when both contexts are immutable (PyLD's frozen active contexts, our
    frozen bundled contexts, context URLs) the result is kept, keyed by identity with the objects held.
    """
    from cachetools import LRUCache
    from frozendict import frozendict
    from pyld.jsonld import ContextResolver, JsonLdProcessor

    from .rdfc import check_node_values

    memo: dict[tuple, tuple] = {}
    # Our own resolved-context cache: PyLD's global one would hand back equal but unfrozen copies of
    # our contexts if any other PyLD caller had resolved them first, and the memo would never hit.
    resolved: LRUCache = LRUCache(maxsize=100)

    def immutable_key(local_ctx: Any) -> Any:
        if isinstance(local_ctx, str):
            return local_ctx
        if isinstance(local_ctx, frozendict):
            return id(local_ctx)
        if isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
            return tuple(local_ctx)
        return None

    class CachingProcessor(JsonLdProcessor):
        def expand(self, input_, options):
            """Expansion, refusing nodes with too many values before they are merged (check_node_values)."""
            expanded = super().expand(input_, options)
            check_node_values(expanded)
            return expanded

        @staticmethod
        def options() -> dict:
            """to_rdf() options: the bundled contexts, through our cache."""
            return {
                "documentLoader": document_loader,
                "contextResolver": ContextResolver(resolved, document_loader),
                "base": _RELATIVE_BASE,
            }

        def _process_context(
            self,
            active_ctx,
            local_ctx,
            options,
            override_protected=False,
            propagate=True,
            validate_scoped=True,
            cycles=None,
        ):
            local_key = immutable_key(local_ctx)
            args = (override_protected, propagate, validate_scoped)
            if (
                not isinstance(active_ctx, frozendict)
                or local_key is None
                or options["base"] != _RELATIVE_BASE
            ):
                return super()._process_context(active_ctx, local_ctx, options, *args, cycles)
            key = (id(active_ctx), local_key, *args)
            held = local_ctx if isinstance(local_ctx, frozendict) else None
            hit = memo.get(key)
            if hit is not None and hit[0] is active_ctx and hit[1] is held:
                return hit[2]
            result = super()._process_context(active_ctx, local_ctx, options, *args, cycles)
            if isinstance(result, frozendict):
                if len(memo) >= _MEMO_LIMIT:  # other issuers' inline contexts can keep making new keys
                    memo.clear()
                memo[key] = (active_ctx, held, result)  # holding both keeps their ids from being reused
            return result

    return CachingProcessor


def canonical_proof_config(config: dict) -> str:
    """RDFC-1.0 N-Quads of a proof configuration; the usual shape is written directly, others via PyLD."""
    if config.keys() == _FAST_PROOF_KEYS and (
        config["type"] == PROOF_TYPE
        and config["cryptosuite"] == CRYPTOSUITE
        and config["proofPurpose"] == PROOF_PURPOSE
        and config["@context"] in _FAST_PROOF_CONTEXTS
        and isinstance(config["created"], str)
        and _DATETIME.fullmatch(config["created"])
        and isinstance(config["verificationMethod"], str)
        and _PLAIN_IRI.fullmatch(config["verificationMethod"])
    ):
        return _PROOF_NQUADS.format(
            created=config["created"], verification_method=config["verificationMethod"]
        )
    return canonicalize(config)


def hash_data(document: dict, proof_config: dict) -> bytes:
    """sha256(canonical proof configuration) || sha256(canonical document): the bytes that are signed."""
    proof_hash = sha256(canonical_proof_config(proof_config).encode()).digest()
    return proof_hash + sha256(canonicalize(document).encode()).digest()


# --- proofs -------------------------------------------------------------------------------------


def proof_config(document: dict, proof: dict) -> dict:
    """The proof options without proofValue, under the document's @context (the spec's proofConfig)."""
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ValueError(f"not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    created = proof.get("created")
    if created is not None and not (isinstance(created, str) and _DATETIME.fullmatch(created)):
        raise ValueError("proof created is not an XML Schema dateTime")
    config = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    return {"@context": document["@context"], **config}


def sign(document: dict, *, private_key: bytes, verification_method: str, created: str) -> dict:
    """A copy of the document with an eddsa-rdfc-2022 DataIntegrityProof (replacing any proof it had)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "created": created,
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": PROOF_PURPOSE,
    }
    data = hash_data(unsecured, proof_config(unsecured, proof))
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(data)
    return {**unsecured, "proof": {**proof, "proofValue": "z" + base58btc(signature)}}


def verify(document: dict, public_key: bytes) -> bool:
    """Whether the document's eddsa-rdfc-2022 assertion proof was made by this Ed25519 public key.

    Raises PoisonDatasetError when the document is too costly to canonicalise, so it is not checked.
    Recent outcomes are remembered: importing a badge verifies it once per address of the account.
    """
    if not isinstance(document, dict):
        raise TypeError("a credential is a JSON object")
    key = (sha256(json.dumps(document, default=repr).encode()).digest(), public_key)
    outcome = _RECENT_OUTCOMES.get(key)
    if outcome is None:
        try:
            outcome = _verify(document, public_key)
        except PoisonDatasetError as error:  # not "does not verify": it was never checked, and why matters
            outcome = error
        except Exception:  # any malformed input is simply "does not verify"
            outcome = False
        if len(_RECENT_OUTCOMES) >= _RECENT_LIMIT:
            _RECENT_OUTCOMES.clear()
        _RECENT_OUTCOMES[key] = outcome
    if isinstance(outcome, PoisonDatasetError):
        raise PoisonDatasetError(str(outcome))
    return outcome


def _verify(document: dict, public_key: bytes) -> bool:
    """verify(), raising on malformed input."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    proof = document["proof"]
    value = proof["proofValue"]
    if proof.get("proofPurpose") != PROOF_PURPOSE or not value.startswith("z"):
        return False
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" in proof and not _starts_with(unsecured["@context"], proof["@context"]):
        return False
    signature = base58btc_decode(value[1:], max_bytes=64)  # an Ed25519 signature
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature, hash_data(unsecured, proof_config(unsecured, proof))
        )
    except InvalidSignature:
        return False
    return True


def _starts_with(contexts: Any, prefix: Any) -> bool:
    """Whether a document @context begins with every value of a proof @context, in order."""
    listed = contexts if isinstance(contexts, list) else [contexts]
    wanted = prefix if isinstance(prefix, list) else [prefix]
    return listed[: len(wanted)] == wanted
