"""One home for what several test modules share (test modules never import each other; test_architecture
checks). Helpers are imported from here; fixtures live in the conftest.py files (and memory.py, a plugin).

    inprocess.py    the app in-process: Api (JSON client), drain_queue, sent_mail, store_snapshot, ...
    memory.py       the fast tier: memory_store, memory_client, run_mail_queue (no AWS, no moto)
    accounts.py     earners in-process: award, claim_path_for, register, add (an address), last_to
    imports.py      backpack imports: make_account (straight in the store), signed_in, stored_imports
    credentials.py  OB 3.0 credentials: credential, verifies, revoked, dynamodb_calls
    merging.py      merging accounts: make_account, sign_in, merge_form, assert_merged
    takeover.py     several earners in one test: activated, login
    sharing.py      make_earner, make_public;  bulk.py: bulk jobs and their results
    verifying.py    a fake internet for the verifier and an OB 2.0 hosted assertion on it
    earners.py      forms, codes and links in pages and mail; Browser (in-process), Earner (over HTTP)
    issuing.py      the issuer API over HTTP (IssuerApi), badge images
    live.py         the whole local stack over HTTP (e2e, browser): Live, live, make_issuer, run_issuer_cli
    pages.py        browser page checks: check_page, shoot, register_and_activate
    faults.py       AWS faults injected under botocore (throttling, lost answers, crashes)
    properties.py   hypothesis profiles;  dcc.py, validator.py: the outside verifiers
"""
