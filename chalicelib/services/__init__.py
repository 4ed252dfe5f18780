"""Use cases, in one package per capability; routes call one of them per request.

shared/        what every capability uses: ids and the clock, field rules, rate limits
hosting/       what verifiers fetch: hosted OB 2.0 documents, baked images, signatures, OB 3.0 credentials
issuing/       what issuers do: issuers and keys, badge classes, awards and their changes, bulk, notices
earners/       who earners are: accounts, addresses, activation, sign-in sessions, merges
backpack/      what earners do with badges: claim, accept, list, share, make public, import, export
verification/  anyone's check of a badge: a URL, JSON, JWS or baked image in, the verifier's report out

Imports point one way: shared ← hosting ← issuing ← backpack, shared ← earners ← backpack,
verification ← backpack. Each package's modules load on first use (chalicelib/lazy.py).
"""
