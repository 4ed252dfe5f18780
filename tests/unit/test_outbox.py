"""The local outbox reads mail through the store (here the memory store): /outbox.json, /outbox, /outbox/n."""

from __future__ import annotations

import json


def test_the_outbox_lists_what_the_store_sent_newest_first_with_templates_rendered(
    memory_client, memory_store
):
    mail = memory_store.mail
    mail.templates["notice"] = {
        "SubjectPart": "Hi {{name}}",
        "HtmlPart": "<p>{{name}}</p>",
        "TextPart": "{{name}}",
    }
    mail.send_email("ada@example.org", "First", "<p>Open https://a.example/x</p>", "Open https://a.example/x")
    mail.send_templated("bob@example.org", "notice", {"name": "Bob"})
    mail.send_templated("eve@example.org", "missing", {})

    listed = json.loads(memory_client.http.get("/outbox.json").body)
    assert [(m["to"], m["subject"]) for m in listed] == [
        ("eve@example.org", "(template 'missing' not found)"),
        ("bob@example.org", "Hi Bob"),
        ("ada@example.org", "First"),
    ]
    assert listed[1]["html"] == "<p>Bob</p>" and listed[1]["text"] == "Bob"

    page = memory_client.http.get("/outbox").body.decode()
    assert "Hi Bob" in page and '<a href="https://a.example/x" target="_blank">' in page
    assert memory_client.http.get("/outbox/3").status_code == 200
    assert memory_client.http.get("/outbox/4").status_code == 404
