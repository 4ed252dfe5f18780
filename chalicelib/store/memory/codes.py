"""One-time codes and links in memory: tables "tokens" (by hash), "activation_codes" and "merge_codes"
(by address)."""

from __future__ import annotations

from chalicelib.errors import Changed
from chalicelib.store.codes import ActivationCode, MergeCode, OneTimeToken
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

    def _try(self, table: str, email: str, below: int):
        with self.db.transaction():
            codes = self.db.table(table)
            code = codes.get(email)
            if code is None or code.attempts >= below:
                raise Changed(CHANGED)
            codes[email] = code.tried()
            return codes[email]
