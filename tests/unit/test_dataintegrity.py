"""eddsa-rdfc-2022 Data Integrity proofs, checked byte for byte against 1EdTech's OB 3.0 test vector."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from chalicelib.openbadges import dataintegrity as di
from chalicelib.openbadges.jsonld import CREDENTIALS_V2, OB_V3P0, UnknownContextError, context_document
from tests.hostile import corpus

VECTOR = Path(__file__).parent / "vectors" / "ob3-eddsa-rdfc-2022"
PRIVATE_KEY = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")
PUBLIC_MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
HASH_DATA = (
    "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
    "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
)


@pytest.fixture
def signed() -> dict:
    return json.loads((VECTOR / "signed-credential.json").read_text())


@pytest.fixture
def unsigned(signed) -> dict:
    return {k: v for k, v in signed.items() if k != "proof"}


def _public_key() -> bytes:
    return di.public_key_from_multikey(PUBLIC_MULTIKEY)


# --- the vector, byte for byte --------------------------------------------------------------------


def test_canonical_document_matches_vector(unsigned):
    assert di.canonicalize(unsigned) == (VECTOR / "document-canon.nq").read_text()


def test_canonical_proof_config_matches_vector(signed, unsigned):
    config = di.proof_config(unsigned, signed["proof"])
    expected = (VECTOR / "proof-canon.nq").read_text()
    assert di.canonical_proof_config(config) == expected
    assert di.canonicalize(config) == expected  # the general path agrees with the direct one


def test_hash_data_matches_vector(signed, unsigned):
    assert di.hash_data(unsigned, di.proof_config(unsigned, signed["proof"])).hex() == HASH_DATA


def test_signing_with_vector_key_gives_vector_proof_value(signed, unsigned):
    proof = signed["proof"]
    out = di.sign(
        unsigned,
        private_key=PRIVATE_KEY,
        verification_method=proof["verificationMethod"],
        created=proof["created"],
    )
    assert out["proof"]["proofValue"] == proof["proofValue"]
    assert json.dumps(out) == json.dumps(signed)  # same members, same order


def test_multikey_round_trip_matches_vector():
    public = di.public_key(PRIVATE_KEY)
    assert di.multikey(public) == PUBLIC_MULTIKEY
    assert di.public_key_from_multikey(PUBLIC_MULTIKEY) == public


def test_vector_verifies(signed):
    assert di.verify(signed, _public_key()) is True


def test_verify_does_not_change_the_document(signed):
    before = copy.deepcopy(signed)
    di.verify(signed, _public_key())
    assert signed == before


# --- tampering ----------------------------------------------------------------------------------

SUBJECT_EDITS = [
    ("id", "did:example:someone-else"),
    ("type", ["AchievementSubject", "Extra"]),
    ("achievement.name", "Teamwork!"),
    ("achievement.description", "Something else."),
    ("achievement.id", "https://example.com/achievements/other"),
    ("achievement.criteria.narrative", "Nominated by nobody."),
]


@pytest.mark.parametrize(("path", "value"), SUBJECT_EDITS)
def test_changing_any_subject_field_breaks_the_proof(signed, path, value):
    *parents, leaf = path.split(".")
    target = signed["credentialSubject"]
    for key in parents:
        target = target[key]
    target[leaf] = value
    assert di.verify(signed, _public_key()) is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("created", "2010-01-01T19:23:25Z"),
        ("verificationMethod", "https://example.edu/issuers/565049#other"),
        ("proofPurpose", "authentication"),
        ("cryptosuite", "ecdsa-rdfc-2019"),
        (
            "proofValue",
            "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCs",
        ),
    ],
)
def test_changing_the_proof_breaks_it(signed, field, value):
    signed["proof"][field] = value
    assert di.verify(signed, _public_key()) is False


def test_other_key_does_not_verify(signed):
    _, other = di.generate_key(os.urandom(32))
    assert di.verify(signed, other) is False


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: d.pop("proof"),
        lambda d: d.update(proof="z123"),
        lambda d: d["proof"].update(proofValue="not base58 0OIl"),
        lambda d: d["proof"].update(proofValue=42),
        lambda d: d["proof"].update(created="yesterday"),
        lambda d: d.update({"@context": [CREDENTIALS_V2, "https://example.com/unknown-context"]}),
        lambda d: d["proof"].update({"@context": ["https://example.com/another"]}),
    ],
)
def test_malformed_credentials_are_false_not_errors(signed, mangle):
    mangle(signed)
    assert di.verify(signed, _public_key()) is False


def test_malformed_public_key_is_false(signed):
    assert di.verify(signed, b"short") is False


def test_verify_needs_an_object():
    with pytest.raises(TypeError):
        di.verify("[]", _public_key())  # type: ignore[arg-type]


# --- sign / verify round trips ------------------------------------------------------------------


def test_fresh_key_signs_and_verifies(unsigned):
    seed, public = di.generate_key(os.urandom(32))
    assert len(seed) == len(public) == 32
    vm = "did:key:" + di.multikey(public) + "#" + di.multikey(public)
    out = di.sign(unsigned, private_key=seed, verification_method=vm, created="2026-01-02T03:04:05Z")
    assert out["proof"] == {**out["proof"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
    assert out["proof"]["proofValue"].startswith("z")
    assert "proof" not in unsigned
    assert di.verify(out, public) is True


def test_re_signing_replaces_the_proof(signed):
    seed, public = di.generate_key(os.urandom(32))
    again = di.sign(
        signed, private_key=seed, verification_method="https://x.example/k#1", created="2026-01-01T00:00:00Z"
    )
    assert di.verify(again, public) is True
    assert di.verify(again, _public_key()) is False


def test_sign_refuses_a_created_that_is_not_a_datetime(unsigned):
    with pytest.raises(ValueError):
        di.sign(
            unsigned, private_key=PRIVATE_KEY, verification_method="https://x.example/k#1", created="today"
        )


@pytest.mark.parametrize("context", [[CREDENTIALS_V2, OB_V3P0], [CREDENTIALS_V2]])
@pytest.mark.parametrize(
    ("created", "vm"),
    [
        ("2026-05-06T07:08:09Z", "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi#z6Mk"),
        ("2026-05-06T07:08:09.123+02:00", "https://issuer.example/issuers/7?x=1#key-2"),
    ],
)
def test_direct_proof_canonical_form_agrees_with_pyld(context, created, vm):
    config = {
        "@context": context,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    assert di.canonical_proof_config(config) == di.canonicalize(config)


def test_unusual_proof_options_take_the_general_path():
    config = {
        "@context": [CREDENTIALS_V2],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-05-06T07:08:09Z",
        "verificationMethod": "https://issuer.example/k#1",
        "proofPurpose": "assertionMethod",
        "domain": "example.org",
    }
    assert "<https://w3id.org/security#domain>" in di.canonical_proof_config(config)


# --- contexts and canonicalisation --------------------------------------------------------------


def test_unknown_context_url_raises_without_fetching(unsigned):
    unsigned["@context"] = [CREDENTIALS_V2, "https://example.com/never-fetched.jsonld"]
    with pytest.raises(UnknownContextError, match=r"never-fetched.*never fetched"):
        di.canonicalize(unsigned)


def test_loader_is_never_asked_for_a_url_it_does_not_know(monkeypatch, unsigned):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    unsigned["@context"] = [CREDENTIALS_V2, "https://example.com/never-fetched.jsonld"]
    with pytest.raises(UnknownContextError):
        di.canonicalize(unsigned)


def test_unknown_context_lookup_is_a_clear_error():
    with pytest.raises(UnknownContextError, match="never fetched"):
        context_document("https://example.com/ctx")


@pytest.mark.parametrize(
    "document",
    [
        {"@context": CREDENTIALS_V2, "id": "credentials/1", "type": "VerifiableCredential"},
        {"@context": CREDENTIALS_V2, "id": "urn:uuid:1", "type": "NotDefinedAnywhere"},
        {"@context": CREDENTIALS_V2, "id": "urn:uuid:1", "type": "VerifiableCredential", "issuer": "acme"},
    ],
)
def test_relative_iris_are_refused(document):
    with pytest.raises(di.CanonicalizationError, match="relative IRI"):
        di.canonicalize(document)


def test_undefined_property_is_refused_not_dropped():
    document = {"@context": {"name": "https://schema.org/name"}, "name": "x", "colour": "blue"}
    with pytest.raises(di.CanonicalizationError):
        di.canonicalize(document)


# --- base58btc and Multikey ---------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\0", b"\0\0\1", b"hello world", bytes(range(256))])
def test_base58btc_round_trip(data):
    assert di.base58btc_decode(di.base58btc(data)) == data


def test_base58btc_known_value():
    assert di.base58btc(b"hello world") == "StV1DL6CwTryKyV"


@pytest.mark.parametrize("value", ["", "6MkjZ", "zzz", "z" + di.base58btc(b"\xec\x01" + bytes(32)), 5])
def test_bad_multikey_is_refused(value):
    with pytest.raises(ValueError):
        di.public_key_from_multikey(value)  # type: ignore[arg-type]


# --- the context memo changes nothing -----------------------------------------------------------


def _reference_canonical(document: dict) -> str:
    """Plain PyLD normalize with fresh, unfrozen contexts: what canonicalize() must always equal."""
    from pyld import jsonld

    def loader(url, options=None):
        return {"contextUrl": None, "documentUrl": url, "document": context_document(url)}

    return jsonld.normalize(
        copy.deepcopy(document),
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader},
    )


def _documents(signed: dict) -> list[dict]:
    from datetime import UTC, datetime

    from chalicelib.openbadges import ob3

    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    inline = {**unsigned, "@context": [*unsigned["@context"], {"favourite": "https://example.org/fav"}]}
    inline["favourite"] = "tea"
    status = ob3.status_list_credential(
        id="https://x.example/s/1", issuer="https://x.example", valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        revoked_indexes=[3],
    )  # fmt: skip
    ob2 = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "urn:uuid:1",
        "badge": "urn:b",
    }
    config = di.proof_config(unsigned, signed["proof"])
    return [unsigned, inline, status, ob2, config, {**config, "domain": "example.org"}]


def test_canonicalize_equals_plain_pyld_on_every_call(signed):
    documents = _documents(signed)
    expected = [_reference_canonical(d) for d in documents]
    for _ in range(3):  # later rounds are answered from the memo
        assert [di.canonicalize(d) for d in documents] == expected
    assert [_reference_canonical(d) for d in documents] == expected


def test_inline_context_terms_are_signed(signed):
    unsigned = _documents(signed)[1]
    assert '<https://example.org/fav> "tea"' in di.canonicalize(unsigned)


@pytest.mark.parametrize(
    ("url", "type_"),
    [
        (CREDENTIALS_V2, "VerifiableCredential"),
        (OB_V3P0, "Profile"),
        ("https://w3id.org/security/data-integrity/v2", "DataIntegrityProof"),
        ("https://w3id.org/openbadges/v2", "Issuer"),
        ("https://openbadgespec.org/v2/context.json", "Issuer"),
    ],
)
def test_every_bundled_context_loads_offline(url, type_):
    nquads = di.canonicalize({"@context": url, "id": "urn:uuid:1", "type": type_})
    assert nquads.startswith("<urn:uuid:1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http")


# --- work bounds: RDFC-1.0 poison graphs and JSON-LD merging (tests/hostile/corpus.py) ---------------


def _unsigned(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "proof"}


@pytest.fixture
def canonizers(monkeypatch) -> list:
    """Every BoundedCanonizer made while the test runs, to read the work it counted."""
    from chalicelib.openbadges import rdfc

    made, original = [], rdfc.BoundedCanonizer.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(rdfc.BoundedCanonizer, "__init__", spy)
    return made


@pytest.mark.parametrize("nodes", [6, 7, 8, 12])
def test_poison_graph_is_refused_once_its_work_budget_is_spent(canonizers, nodes):
    from chalicelib.openbadges.rdfc import MAX_WORK

    with pytest.raises(di.PoisonDatasetError, match="too much work"):
        di.canonicalize(_unsigned(corpus.poison_credential(nodes)))
    [canonizer] = canonizers
    # Charged before the orderings are tried, so it stopped at the first charge past the budget.
    assert canonizer.work > MAX_WORK


def test_a_few_alike_linked_nodes_are_still_canonicalised_exactly(canonizers):
    document = _unsigned(corpus.poison_credential(5))
    assert di.canonicalize(document) == _reference_canonical(document)
    assert 0 < canonizers[0].work <= canonizers[0].max_work


def test_too_many_blank_nodes_are_refused_before_any_hashing(canonizers):
    many = {"@list": [{"https://hostile.example/n": 1}] * 300 + list(range(900))}
    document = _unsigned(corpus.credential_with(evidence=[{"https://hostile.example/all": many}]))
    with pytest.raises(di.PoisonDatasetError, match="more than 1000 blank nodes"):
        di.canonicalize(document)
    assert canonizers[0].work == 0


@pytest.mark.parametrize(
    "build", [corpus.merge_bomb_credential, corpus.same_id_merge_bomb_credential], ids=lambda b: b.__name__
)
def test_one_node_with_thousands_of_values_is_refused_before_merging(canonizers, build):
    with pytest.raises(di.PoisonDatasetError, match="too many values to merge"):
        di.canonicalize(_unsigned(build()))
    assert canonizers == []  # refused on the expanded document, before the RDF dataset is made


def test_more_values_than_expansion_should_read_are_refused_at_once():
    document = _unsigned(corpus.merge_bomb_credential(values=di.MAX_VALUES))
    with pytest.raises(di.CanonicalizationError, match=f"more than {di.MAX_VALUES} values"):
        di.check_shape(document)


def test_large_inline_contexts_are_refused_at_once():
    document = _unsigned(corpus.scoped_context_credential())
    with pytest.raises(di.CanonicalizationError, match="@context definitions hold more than 200 values"):
        di.check_shape(document)


def test_a_few_inline_context_terms_are_still_canonicalised():
    document = _unsigned(corpus.scoped_context_credential(terms=20, nodes=3))
    assert "<https://hostile.example/t0>" in di.canonicalize(document)


def test_large_legitimate_credential_still_verifies(canonizers):
    di._RECENT_OUTCOMES.clear()
    seed = bytes(range(32))
    document = corpus.large_legitimate_credential(seed)
    assert 55_000 < len(json.dumps(document)) <= 64 * 1024
    assert di.verify(document, di.public_key(seed)) is True
    assert canonizers[-1].work > 0  # its alike evidence entries did need RDFC-1.0's path comparison


def test_a_credential_checked_again_is_not_canonicalised_again(canonizers):
    """An import verifies once per address of the account: the work is done once, the refusal kept."""
    di._RECENT_OUTCOMES.clear()
    seed = bytes(range(32))
    signed, poison = corpus.large_legitimate_credential(seed), corpus.poison_credential()
    canonizers.clear()  # signing canonicalised it once
    for _ in range(10):
        assert di.verify(signed, di.public_key(seed)) is True
        assert di.verify(signed, _public_key()) is False  # another key: its own outcome
        with pytest.raises(di.PoisonDatasetError, match="too much work"):
            di.verify(poison, di.public_key(seed))
    assert len(canonizers) == 3


def test_oversized_base58_values_are_refused_without_decoding(monkeypatch):
    """Base58 decoding is quadratic: a 1.5 MB proofValue or did:key would take minutes."""
    refused, original = [], di.base58btc_decode

    def spy(text, **kwargs):
        try:
            return original(text, **kwargs)
        except ValueError as error:
            refused.append(str(error))
            raise

    monkeypatch.setattr(di, "base58btc_decode", spy)
    seed = bytes(range(32))
    signed = corpus.large_legitimate_credential(seed)
    signed["proof"]["proofValue"] = "z" + "2" * 300_000
    assert di.verify(signed, di.public_key(seed)) is False
    with pytest.raises(ValueError, match="longer than 34 bytes"):
        di.public_key_from_multikey("z" + "2" * 300_000)
    assert refused == ["longer than 64 bytes of base58btc", "longer than 34 bytes of base58btc"]


def test_a_credential_large_only_in_bytes_is_still_checked():
    """Work grows with structure, not bytes: a 1.5 MB embedded image is no reason to refuse."""
    seed = bytes(range(32))
    document = _unsigned(corpus.large_legitimate_credential(seed, alignments=3))
    document["image"] = {"id": "data:image/png;base64," + "A" * 1_500_000, "type": "Image"}
    key = di.multikey(di.public_key(seed))
    signed = di.sign(
        document, private_key=seed, verification_method=f"did:key:{key}#{key}", created="2026-01-01T00:00:00Z"
    )
    assert di.verify(signed, di.public_key(seed)) is True
