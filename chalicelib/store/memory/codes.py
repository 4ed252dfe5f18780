"""One-time codes and links in memory: tables "tokens" (by hash), "activation_codes", "merge_codes",
"signup_codes" and "link_codes" (by address)."""

from __future__ import annotations

from chalicelib.errors import Changed
from chalicelib.store.codes import ActivationCode, LinkCode, MergeCode, OneTimeToken, SignupCode
from chalicelib.store.memory.base import Database

CHANGED = "The record changed meanwhile."


class Codes:
    def __init__(self, db: Database) -> None:
        self.db = db

    def token(self, token_hash: str) -> OneTimeToken | None:
        return self.db.table("tokens").get(token_hash)

    def put_token(self, token: OneTimeToken) -> None:
        with self.db.transaction():
            self.db.table("tokens")[token.token_hash] = token

    def spend_token(self, token_hash: str) -> None:
        with self.db.transaction():
            if self.db.table("tokens").pop(token_hash, None) is None:
                raise Changed(CHANGED)

    def activation_code(self, email: str) -> ActivationCode | None:
        return self.db.table("activation_codes").get(email)

    def replace_activation(self, code: ActivationCode, token: OneTimeToken, *, previous: str | None) -> None:
        with self.db.transaction():
            tokens = self.db.table("tokens")
            if previous is not None:
                tokens.pop(previous, None)
            tokens[token.token_hash] = token
            self.db.table("activation_codes")[code.email] = code

    def try_activation_code(self, email: str, *, below: int) -> ActivationCode:
        return self._try("activation_codes", email, below)

    def merge_code(self, email: str) -> MergeCode | None:
        return self.db.table("merge_codes").get(email)

    def put_merge_code(self, code: MergeCode) -> None:
        with self.db.transaction():
            self.db.table("merge_codes")[code.email] = code

    def try_merge_code(self, email: str, *, below: int) -> MergeCode:
        return self._try("merge_codes", email, below)

    def drop_merge_code(self, email: str) -> None:
        with self.db.transaction():
            self.db.table("merge_codes").pop(email, None)

    def signup_code(self, email: str) -> SignupCode | None:
        return self.db.table("signup_codes").get(email)

    def replace_signup(self, code: SignupCode, token: OneTimeToken, *, previous: str | None) -> None:
        with self.db.transaction():
            tokens = self.db.table("tokens")
            if previous is not None:
                tokens.pop(previous, None)
            tokens[token.token_hash] = token
            self.db.table("signup_codes")[code.email] = code

    def try_signup_code(self, email: str, *, below: int) -> SignupCode:
        return self._try("signup_codes", email, below)

    def drop_signup(self, email: str) -> None:
        with self.db.transaction():
            code = self.db.table("signup_codes").pop(email, None)
            if code is not None:
                self.db.table("tokens").pop(code.token_hash, None)

    def link_code(self, email: str) -> LinkCode | None:
        return self.db.table("link_codes").get(email)

    def put_link_code(self, code: LinkCode) -> None:
        with self.db.transaction():
            self.db.table("link_codes")[code.email] = code

    def try_link_code(self, email: str, *, below: int) -> LinkCode:
        return self._try("link_codes", email, below)

    def drop_link_code(self, email: str) -> None:
        with self.db.transaction():
            self.db.table("link_codes").pop(email, None)

    def _try(self, table: str, email: str, below: int):
        with self.db.transaction():
            codes = self.db.table(table)
            code = codes.get(email)
            if code is None or code.attempts >= below:
                raise Changed(CHANGED)
            codes[email] = code.tried()
            return codes[email]
