"""The committed AsyncAPI document is current and describes every topic, event version and consumer group."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from vikar_shared.contracts import asyncapi
from vikar_shared.events.registry import EVENT_TYPES, TOPICS


def _payload_refs(doc: dict[str, Any], channel: str) -> set[str]:
    """The message schemas a channel carries, by component name."""
    message_ref = next(iter(doc["channels"][channel]["messages"].values()))["$ref"]
    message = doc["components"]["messages"][message_ref.rsplit("/", 1)[1]]
    payload = message["payload"]["$ref"].rsplit("/", 1)[1]
    schema = doc["components"]["schemas"][payload]
    alternatives = schema.get("anyOf", [{"$ref": f"#/components/schemas/{payload}"}])
    return {alt["$ref"].rsplit("/", 1)[1] for alt in alternatives}


def test_committed_asyncapi_document_is_current() -> None:
    committed = asyncapi.DOCUMENT.read_text(encoding="utf-8")
    assert committed == asyncapi.render(), (
        "shared/asyncapi.yaml is stale; run python -m vikar_shared.contracts.asyncapi"
    )


def test_asyncapi_cli_check_fails_on_a_stale_file_and_passes_after_writing(tmp_path: Path) -> None:
    out = tmp_path / "asyncapi.yaml"
    out.write_text("asyncapi: 3.0.0\n")
    assert asyncapi.main(["--check", "--out", str(out)]) == 1
    assert asyncapi.main(["--out", str(out)]) == 0
    assert asyncapi.main(["--check", "--out", str(out)]) == 0


def test_every_topic_has_a_publisher_carrying_each_of_its_event_versions() -> None:
    doc = asyncapi.document()
    for topic in TOPICS:
        channel = f"{topic}:publish"
        assert doc["channels"][channel]["address"] == topic
        assert doc["operations"][channel]["action"] == "send"
        expected = {f"{e.__name__}Message" for e in EVENT_TYPES if e.topic == topic}
        assert _payload_refs(doc, channel) == expected


def test_every_consumer_group_is_documented_on_its_topic() -> None:
    doc = asyncapi.document()
    names = {g.name for g in asyncapi.CONSUMER_GROUPS}
    assert names == {
        "timesheet.placements",
        "invoicing.placements",
        "invoicing.approvals",
        "notifications.companies",
        "notifications.hours",
        "notifications.invoicing",  # issue 14 (part B)
    }
    for group in asyncapi.CONSUMER_GROUPS:
        channel = f"{group.name}:consume"
        (topic,) = group.topics
        assert doc["channels"][channel]["address"] == topic
        assert doc["operations"][channel]["action"] == "receive"
        assert _payload_refs(doc, channel) == {f"{e.__name__}Message" for e in EVENT_TYPES if e.topic == topic}


def test_message_schemas_are_the_envelope_with_typed_data() -> None:
    schema = asyncapi.document()["components"]["schemas"]["EntryApprovedMessage"]
    assert schema["properties"]["type"]["const"] == "timesheet.entry_approved"
    assert schema["properties"]["version"]["const"] == 1
    assert schema["properties"]["data"] == {"$ref": "#/components/schemas/EntryApproved"}
    assert {"id", "type", "version", "source", "subject", "occurred_at", "data"} <= set(schema["required"])


def test_correlation_id_is_located_in_the_envelope_not_a_header() -> None:
    messages = asyncapi.document()["components"]["messages"].values()
    assert {m["correlationId"]["location"] for m in messages} == {"$message.payload#/correlation_id"}


def test_committed_document_reads_back_as_the_generated_one() -> None:
    committed = yaml.safe_load((asyncapi.SHARED_DIR / "asyncapi.yaml").read_text())
    assert committed == json.loads(json.dumps(asyncapi.document()))
