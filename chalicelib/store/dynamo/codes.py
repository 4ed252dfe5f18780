"""One-time codes and links in the accounts table: TOKEN#sha256 / TOKEN (a link), EMAIL#addr / CODE (an
activation code), EMAIL#addr / MERGECODE (a merge code), EMAIL#addr / SIGNUPCODE (a sign-up code, with
its link) and EMAIL#addr / LINKCODE (a code to link an identity), each dropped by TTL at its expiry.
Every try at a code is one conditional UpdateItem that counts it only under the ceiling."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from chalicelib.errors import Changed
from chalicelib.store.codes import ActivationCode, LinkCode, MergeCode, OneTimeToken, SignupCode
from chalicelib.store.dynamo.models import (
    ActivationCodeItem,
    LinkCodeItem,
    MergeCodeItem,
    OneTimeTokenItem,
    SignupCodeItem,
    transaction,
)
from chalicelib.store.dynamo.translate import translated

Code = TypeVar("Code", ActivationCode, MergeCode, SignupCode, LinkCode)
# Each kind of code by address: its item class and sort key (one code per address and kind).
BY_ADDRESS: dict[type, tuple[Any, str]] = {
    ActivationCode: (ActivationCodeItem, "CODE"),
    MergeCode: (MergeCodeItem, "MERGECODE"),
    SignupCode: (SignupCodeItem, "SIGNUPCODE"),
    LinkCode: (LinkCodeItem, "LINKCODE"),
}


def token_item(token: OneTimeToken) -> OneTimeTokenItem:
    return OneTimeTokenItem(
        f"TOKEN#{token.token_hash}",
        "TOKEN",
        kind=token.kind,
        account_id=token.account_id,
        email=token.email,
        epoch=token.epoch,
        expires_at=token.expires_at,
        ttl=token.expires_at,
    )


def token_key(token_hash: str) -> OneTimeTokenItem:
    return OneTimeTokenItem(f"TOKEN#{token_hash}", "TOKEN")


def code_key(email: str, kind: type = ActivationCode) -> Any:
    model, sort_key = BY_ADDRESS[kind]
    return model(f"EMAIL#{email}", sort_key)


def _token(item: OneTimeTokenItem) -> OneTimeToken:
    return OneTimeToken(
        token_hash=item.pk.removeprefix("TOKEN#"),
        kind=item.kind,
        account_id=item.account_id,
        email=item.email,
        expires_at=int(item.expires_at),
        epoch=None if item.epoch is None else int(item.epoch),
    )


def _code_item(code: Code) -> Any:
    """The item of a code: its fields as attributes, the address in the key, TTL at its expiry."""
    model, sort_key = BY_ADDRESS[type(code)]
    values = {f.name: getattr(code, f.name) for f in fields(code) if f.name != "email"}
    return model(f"EMAIL#{code.email}", sort_key, ttl=code.expires_at, **values)


def _code(kind: type[Code], item: Any) -> Code:
    values = {f.name: getattr(item, f.name) for f in fields(kind) if f.name != "email"}
    values.update(expires_at=int(item.expires_at), attempts=int(item.attempts or 0))
    return kind(email=item.pk.removeprefix("EMAIL#"), **values)


def _read(kind: type[Code], email: str, *, consistent: bool = True) -> Code | None:
    """One GetItem."""
    model, sort_key = BY_ADDRESS[kind]
    with translated():
        try:
            return _code(kind, model.get(f"EMAIL#{email}", sort_key, consistent_read=consistent))
        except model.DoesNotExist:
            return None


def _try(kind: type[Code], email: str, below: int) -> Code:
    """One UpdateItem: count a try only while fewer than `below` were counted (Changed otherwise, or gone)."""
    model = BY_ADDRESS[kind][0]
    item = code_key(email, kind)
    with translated():
        item.update(actions=[model.attempts.add(1)], condition=model.attempts < below)
    return _code(kind, item)


def _replace_with_link(code: Code, token: OneTimeToken, previous: str | None) -> None:
    """One TransactWriteItems: the link `previous` goes, the new link and code are kept."""
    with translated(), transaction() as tx:
        if previous is not None and previous != token.token_hash:
            tx.delete(token_key(previous))
        tx.save(token_item(token))
        tx.save(_code_item(code))


class Codes:
    def token(self, token_hash: str) -> OneTimeToken | None:
        with translated():
            try:
                return _token(OneTimeTokenItem.get(f"TOKEN#{token_hash}", "TOKEN"))
            except OneTimeTokenItem.DoesNotExist:
                return None

    def put_token(self, token: OneTimeToken) -> None:
        with translated():
            token_item(token).save()

    def spend_token(self, token_hash: str) -> None:
        with translated():
            token_key(token_hash).delete(condition=OneTimeTokenItem.pk.exists())

    def activation_code(self, email: str) -> ActivationCode | None:
        return _read(ActivationCode, email, consistent=False)

    def replace_activation(self, code: ActivationCode, token: OneTimeToken, *, previous: str | None) -> None:
        _replace_with_link(code, token, previous)

    def try_activation_code(self, email: str, *, below: int) -> ActivationCode:
        return _try(ActivationCode, email, below)

    def merge_code(self, email: str) -> MergeCode | None:
        return _read(MergeCode, email)

    def put_merge_code(self, code: MergeCode) -> None:
        with translated():
            _code_item(code).save()

    def try_merge_code(self, email: str, *, below: int) -> MergeCode:
        return _try(MergeCode, email, below)

    def drop_merge_code(self, email: str) -> None:
        with translated():
            code_key(email, MergeCode).delete()

    def signup_code(self, email: str) -> SignupCode | None:
        return _read(SignupCode, email)

    def replace_signup(self, code: SignupCode, token: OneTimeToken, *, previous: str | None) -> None:
        _replace_with_link(code, token, previous)

    def try_signup_code(self, email: str, *, below: int) -> SignupCode:
        return _try(SignupCode, email, below)

    def drop_signup(self, email: str) -> None:
        """One GetItem, then one TransactWriteItems deleting the code and its link together (when a new
        code replaced it meanwhile, that one stays)."""
        found = self.signup_code(email)
        if found is None:
            return
        try:
            with translated(), transaction() as tx:
                same = SignupCodeItem.token_hash == found.token_hash
                tx.delete(code_key(email, SignupCode), condition=same)
                tx.delete(token_key(found.token_hash))
        except Changed:
            return

    def link_code(self, email: str) -> LinkCode | None:
        return _read(LinkCode, email)

    def put_link_code(self, code: LinkCode) -> None:
        with translated():
            _code_item(code).save()

    def try_link_code(self, email: str, *, below: int) -> LinkCode:
        return _try(LinkCode, email, below)

    def drop_link_code(self, email: str) -> None:
        with translated():
            code_key(email, LinkCode).delete()
