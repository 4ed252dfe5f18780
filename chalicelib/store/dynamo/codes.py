"""One-time codes and links in the accounts table: TOKEN#sha256 / TOKEN (a link), EMAIL#addr / CODE (an
activation code), EMAIL#addr / MERGECODE (a merge code), EMAIL#addr / SIGNUPCODE (a sign-up code, with
its link) and EMAIL#addr / LINKCODE (a code to link an identity), each dropped by TTL at its expiry.
Every try at a code is one conditional UpdateItem that counts it only under the ceiling."""

from __future__ import annotations

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


def code_key(email: str) -> ActivationCodeItem:
    return ActivationCodeItem(f"EMAIL#{email}", "CODE")


def _token(item: OneTimeTokenItem) -> OneTimeToken:
    return OneTimeToken(
        token_hash=item.pk.removeprefix("TOKEN#"),
        kind=item.kind,
        account_id=item.account_id,
        email=item.email,
        expires_at=int(item.expires_at),
        epoch=None if item.epoch is None else int(item.epoch),
    )


def _code(item: ActivationCodeItem) -> ActivationCode:
    return ActivationCode(
        email=item.pk.removeprefix("EMAIL#"),
        account_id=item.account_id,
        code_hash=item.code_hash,
        salt=item.salt,
        token_hash=item.token_hash,
        expires_at=int(item.expires_at),
        attempts=int(item.attempts or 0),
    )


def _merge_code(item: MergeCodeItem) -> MergeCode:
    return MergeCode(
        email=item.pk.removeprefix("EMAIL#"),
        requester_id=item.requester_id,
        owner_id=item.owner_id,
        code_hash=item.code_hash,
        salt=item.salt,
        expires_at=int(item.expires_at),
        attempts=int(item.attempts or 0),
    )


def _signup_code(item: SignupCodeItem) -> SignupCode:
    return SignupCode(
        email=item.pk.removeprefix("EMAIL#"),
        code_hash=item.code_hash,
        salt=item.salt,
        token_hash=item.token_hash,
        expires_at=int(item.expires_at),
        attempts=int(item.attempts or 0),
    )


def _link_code(item: LinkCodeItem) -> LinkCode:
    return LinkCode(
        email=item.pk.removeprefix("EMAIL#"),
        ceremony_hash=item.ceremony_hash,
        owner_id=item.owner_id,
        code_hash=item.code_hash,
        salt=item.salt,
        expires_at=int(item.expires_at),
        attempts=int(item.attempts or 0),
    )


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
        with translated():
            try:
                return _code(ActivationCodeItem.get(f"EMAIL#{email}", "CODE"))
            except ActivationCodeItem.DoesNotExist:
                return None

    def replace_activation(self, code: ActivationCode, token: OneTimeToken, *, previous: str | None) -> None:
        item = ActivationCodeItem(
            f"EMAIL#{code.email}",
            "CODE",
            account_id=code.account_id,
            code_hash=code.code_hash,
            salt=code.salt,
            token_hash=code.token_hash,
            attempts=code.attempts,
            expires_at=code.expires_at,
            ttl=code.expires_at,
        )
        with translated(), transaction() as tx:
            if previous is not None:
                tx.delete(token_key(previous))
            tx.save(token_item(token))
            tx.save(item)

    def try_activation_code(self, email: str, *, below: int) -> ActivationCode:
        item = code_key(email)
        with translated():
            item.update(
                actions=[ActivationCodeItem.attempts.add(1)], condition=ActivationCodeItem.attempts < below
            )
        return _code(item)

    def merge_code(self, email: str) -> MergeCode | None:
        with translated():
            try:
                return _merge_code(MergeCodeItem.get(f"EMAIL#{email}", "MERGECODE", consistent_read=True))
            except MergeCodeItem.DoesNotExist:
                return None

    def put_merge_code(self, code: MergeCode) -> None:
        with translated():
            MergeCodeItem(
                f"EMAIL#{code.email}",
                "MERGECODE",
                requester_id=code.requester_id,
                owner_id=code.owner_id,
                code_hash=code.code_hash,
                salt=code.salt,
                attempts=code.attempts,
                expires_at=code.expires_at,
                ttl=code.expires_at,
            ).save()

    def try_merge_code(self, email: str, *, below: int) -> MergeCode:
        item = MergeCodeItem(f"EMAIL#{email}", "MERGECODE")
        with translated():
            item.update(actions=[MergeCodeItem.attempts.add(1)], condition=MergeCodeItem.attempts < below)
        return _merge_code(item)

    def drop_merge_code(self, email: str) -> None:
        with translated():
            MergeCodeItem(f"EMAIL#{email}", "MERGECODE").delete()

    # --- sign-up codes (issue 11): one per address, with its link --------------------------------

    def signup_code(self, email: str) -> SignupCode | None:
        """One GetItem."""
        with translated():
            try:
                return _signup_code(SignupCodeItem.get(f"EMAIL#{email}", "SIGNUPCODE", consistent_read=True))
            except SignupCodeItem.DoesNotExist:
                return None

    def replace_signup(self, code: SignupCode, token: OneTimeToken, *, previous: str | None) -> None:
        """One TransactWriteItems."""
        item = SignupCodeItem(
            f"EMAIL#{code.email}",
            "SIGNUPCODE",
            code_hash=code.code_hash,
            salt=code.salt,
            token_hash=code.token_hash,
            attempts=code.attempts,
            expires_at=code.expires_at,
            ttl=code.expires_at,
        )
        with translated(), transaction() as tx:
            if previous is not None and previous != token.token_hash:
                tx.delete(token_key(previous))
            tx.save(token_item(token))
            tx.save(item)

    def try_signup_code(self, email: str, *, below: int) -> SignupCode:
        """One UpdateItem."""
        item = SignupCodeItem(f"EMAIL#{email}", "SIGNUPCODE")
        with translated():
            item.update(actions=[SignupCodeItem.attempts.add(1)], condition=SignupCodeItem.attempts < below)
        return _signup_code(item)

    def drop_signup(self, email: str) -> None:
        """One GetItem, then one TransactWriteItems deleting the code and its link together (when a new
        code replaced it meanwhile, that one stays)."""
        found = self.signup_code(email)
        if found is None:
            return
        try:
            with translated(), transaction() as tx:
                tx.delete(
                    SignupCodeItem(f"EMAIL#{email}", "SIGNUPCODE"),
                    condition=SignupCodeItem.token_hash == found.token_hash,
                )
                tx.delete(token_key(found.token_hash))
        except Changed:
            return

    # --- link codes (issue 11) ---------------------------------------------------------------------

    def link_code(self, email: str) -> LinkCode | None:
        """One GetItem."""
        with translated():
            try:
                return _link_code(LinkCodeItem.get(f"EMAIL#{email}", "LINKCODE", consistent_read=True))
            except LinkCodeItem.DoesNotExist:
                return None

    def put_link_code(self, code: LinkCode) -> None:
        """One PutItem."""
        with translated():
            LinkCodeItem(
                f"EMAIL#{code.email}",
                "LINKCODE",
                ceremony_hash=code.ceremony_hash,
                owner_id=code.owner_id,
                code_hash=code.code_hash,
                salt=code.salt,
                attempts=code.attempts,
                expires_at=code.expires_at,
                ttl=code.expires_at,
            ).save()

    def try_link_code(self, email: str, *, below: int) -> LinkCode:
        """One UpdateItem."""
        item = LinkCodeItem(f"EMAIL#{email}", "LINKCODE")
        with translated():
            item.update(actions=[LinkCodeItem.attempts.add(1)], condition=LinkCodeItem.attempts < below)
        return _link_code(item)

    def drop_link_code(self, email: str) -> None:
        """One DeleteItem."""
        with translated():
            LinkCodeItem(f"EMAIL#{email}", "LINKCODE").delete()
