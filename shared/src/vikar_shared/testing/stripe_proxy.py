"""A recording proxy in front of stripe-mock: what the tests and the local stack point the Stripe client at.

stripe-mock (Stripe's official API mock) checks every request against Stripe's OpenAPI description and answers
with fixtures, but keeps no state: every created invoice totals 1000, metadata is not echoed, a search finds a
fixture, and an idempotency key means nothing. This proxy forwards **every** request to stripe-mock first (so
each call is still validated by Stripe's own API description, and a call stripe-mock refuses is refused here),
records it, and adds the few stateful behaviours of the real Stripe that our code relies on:

- **Idempotency** (Stripe docs, "Idempotent requests"): a POST whose ``Idempotency-Key`` was seen before with
  the same path and parameters gets the first answer again, marked ``Idempotent-Replayed: true``, and is not
  forwarded; the same key with other parameters is a 400 ``idempotency_error``.
- **Objects**: a created customer, invoice, credit note or tax rate is kept with the request's ``metadata``
  (and an invoice's ``number``, ``customer``, ``days_until_due``, ``auto_advance``) echoed into it, so a later
  ``GET /v1/<kind>/<id>`` and ``GET /v1/<kind>/search?query=metadata['k']:'v'`` find it, as on Stripe.
- **Totals**: an invoice starts empty; ``POST /v1/invoices/<id>/add_lines`` adds each line's ``amount`` and
  ``tax_amounts``; ``subtotal``, ``total_taxes``, ``total``, ``amount_due`` are the sums of what was added (a
  credit note's from its lines' ``unit_amount × quantity`` and tax amounts). So a check of Stripe's total
  against ours compares with what our code actually sent, never with a fixture.
- **State**: ``finalize`` makes an invoice ``open``, ``void`` ``void``, ``mark_uncollectible``
  ``uncollectible``, ``pay`` ``paid``.

For tests that need a call's outcome to be unknown, faults are injected (``POST /__proxy/faults``):
``{"method": "POST", "path": "^/v1/invoices$", "mode": "hang_after_forward", "times": 1, "seconds": 30}``
forwards and records the call (its effect happens) but answers only after ``seconds`` (the client times
out); ``"mode": "fail"`` answers ``status`` (default 503) without forwarding.

Its own API, under ``/__proxy/``: ``GET calls`` (every call in order: method, path, params as Stripe's form
encoding nests them, idempotency key, status, forwarded or replayed, object id), ``POST reset`` (forget
calls, objects, keys and faults), ``POST faults``. Loopback and tests only: it keeps request parameters in
memory and never logs them; it is not a Stripe and is never in front of the real one.

Run: ``python -m vikar_shared.testing.stripe_proxy --port 12113 --upstream http://127.0.0.1:12111``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KEPT_KINDS = frozenset({"customers", "invoices", "credit_notes", "tax_rates", "invoiceitems"})
INVOICE_ECHOED = (
    "number",
    "customer",
    "days_until_due",
    "collection_method",
    "auto_advance",
    "currency",
    "description",
)
STATE_ACTIONS = {"finalize": "open", "void": "void", "mark_uncollectible": "uncollectible", "pay": "paid"}
_SEARCH_CLAUSE = re.compile(r"""^metadata\[['"]([^'"]+)['"]\]:['"]([^'"]*)['"]$""")
_KEY_PART = re.compile(r"[^\[\]]+")


def decode_form(body: bytes) -> dict[str, Any]:
    """Stripe's form encoding (``lines[0][tax_amounts][0][amount]=5``) as nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts = _KEY_PART.findall(key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if isinstance(node, list):
                position = int(part)
                while len(node) <= position:
                    node.append({})
                if last:
                    node[position] = value
                else:
                    if not isinstance(node[position], (dict, list)) or node[position] == {}:
                        node[position] = [] if parts[index + 1].isdigit() else {}
                    node = node[position]
            else:
                if last:
                    node[part] = value
                else:
                    if part not in node:
                        node[part] = [] if parts[index + 1].isdigit() else {}
                    node = node[part]
    return root


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    mode: str
    times: int
    seconds: float = 30.0
    status: int = 503


@dataclass
class Recorder:
    upstream: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)

    def reset(self) -> None:
        self.calls.clear()
        self.objects.clear()
        self.answers.clear()
        self.faults.clear()

    def fault_for(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.path.search(path):
                fault.times -= 1
                return fault
        return None


def _recompute_invoice(invoice: dict[str, Any]) -> None:
    lines = invoice.get("lines", {}).get("data", [])
    subtotal = sum(_int(line.get("amount")) for line in lines)
    taxes = [tax for line in lines for tax in line.get("taxes") or []]
    tax = sum(_int(t.get("amount")) for t in taxes)
    invoice["subtotal"] = invoice["subtotal_excluding_tax"] = subtotal
    invoice["total_excluding_tax"] = subtotal
    invoice["total_taxes"] = taxes
    invoice["total"] = subtotal + tax
    invoice["amount_due"] = invoice["amount_remaining"] = subtotal + tax if invoice.get("status") != "paid" else 0


def _credit_note_totals(note: dict[str, Any], params: Mapping[str, Any]) -> None:
    lines = params.get("lines") or []
    subtotal = sum(_int(line.get("unit_amount")) * _int(line.get("quantity"), 1) for line in lines)
    taxes = [
        {
            "amount": _int(t.get("amount")),
            "taxable_amount": _int(t.get("taxable_amount")),
            "tax_rate": t.get("tax_rate"),
        }
        for line in lines
        for t in line.get("tax_amounts") or []
    ]
    tax = sum(t["amount"] for t in taxes)
    note["subtotal"] = note["subtotal_excluding_tax"] = subtotal
    note["total_taxes"] = taxes
    note["total"] = note["amount"] = subtotal + tax
    note["invoice"] = params.get("invoice", note.get("invoice"))


def _created(recorder: Recorder, kind: str, answer: dict[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    kept = copy.deepcopy(answer)
    kept["metadata"] = dict(params.get("metadata") or {})
    if kind == "invoices":
        for name in INVOICE_ECHOED:
            if name in params:
                value = params[name]
                kept[name] = (
                    _int(value) if name == "days_until_due" else (value == "true" if name == "auto_advance" else value)
                )
        kept["status"] = "draft"
        kept["lines"] = {"object": "list", "data": [], "has_more": False, "url": f"/v1/invoices/{kept['id']}/lines"}
        _recompute_invoice(kept)
    elif kind == "credit_notes":
        _credit_note_totals(kept, params)
        if "memo" in params:
            kept["memo"] = params["memo"]
    elif kind == "customers":
        for name in ("name", "email", "description"):
            if name in params:
                kept[name] = params[name]
    recorder.objects[kept["id"]] = kept
    return kept


def _add_lines(invoice: dict[str, Any], params: Mapping[str, Any]) -> None:
    for number, line in enumerate(params.get("lines") or []):
        taxes = [
            {
                "amount": _int(t.get("amount")),
                "taxable_amount": _int(t.get("taxable_amount")),
                "tax_behavior": "exclusive",
                "tax_rate_details": t.get("tax_rate_data") or {"tax_rate": t.get("tax_rate")},
                "type": "tax_rate_details",
            }
            for t in line.get("tax_amounts") or []
        ]
        invoice["lines"]["data"].append(
            {
                "id": f"il_{invoice['id']}_{len(invoice['lines']['data']) + number}",
                "object": "line_item",
                "amount": _int(line.get("amount")),
                "currency": invoice.get("currency"),
                "description": line.get("description"),
                "metadata": dict(line.get("metadata") or {}),
                "taxes": taxes,
            }
        )
    _recompute_invoice(invoice)


def _search(recorder: Recorder, kind: str, query: str) -> dict[str, Any] | None:
    clauses = [c.strip() for c in re.split(r"\s+AND\s+", query.strip()) if c.strip()]
    wanted: list[tuple[str, str]] = []
    for clause in clauses:
        match = _SEARCH_CLAUSE.match(clause)
        if match is None:
            return None
        wanted.append((match.group(1), match.group(2)))
    found = [
        obj
        for obj in recorder.objects.values()
        if obj.get("object") == kind.rstrip("s")
        and all((obj.get("metadata") or {}).get(key) == value for key, value in wanted)
    ]
    return {"object": "search_result", "data": found, "has_more": False, "next_page": None, "url": f"/v1/{kind}/search"}


def create_app(upstream: str) -> Starlette:
    recorder = Recorder(upstream.rstrip("/"))
    client = httpx.AsyncClient(base_url=recorder.upstream, timeout=30.0)

    async def calls(_: Request) -> Response:
        return JSONResponse(recorder.calls)

    async def reset(_: Request) -> Response:
        recorder.reset()
        return JSONResponse({"reset": True})

    async def faults(request: Request) -> Response:
        spec = await request.json()
        recorder.faults.append(
            Fault(
                method=spec.get("method", "POST").upper(),
                path=re.compile(spec["path"]),
                mode=spec.get("mode", "fail"),
                times=int(spec.get("times", 1)),
                seconds=float(spec.get("seconds", 30.0)),
                status=int(spec.get("status", 503)),
            )
        )
        return JSONResponse({"faults": len(recorder.faults)})

    async def forward(request: Request) -> Response:
        path = request.url.path
        method = request.method
        body = await request.body()
        params = decode_form(body) if method == "POST" else dict(request.query_params)
        key = request.headers.get("idempotency-key")
        call: dict[str, Any] = {
            "seq": len(recorder.calls) + 1,
            "method": method,
            "path": path,
            "query": dict(request.query_params),
            "params": params,
            "idempotency_key": key,
            "forwarded": False,
            "replayed": False,
        }
        recorder.calls.append(call)
        fingerprint = hashlib.sha256(method.encode() + b" " + path.encode() + b"?" + body).hexdigest()
        if method == "POST" and key is not None and key in recorder.answers:
            first, status, content = recorder.answers[key]
            if first != fingerprint:
                call["status"] = 400
                return JSONResponse(
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the same parameters "
                            "they were first used with.",
                        }
                    },
                    status_code=400,
                )
            call.update(status=status, replayed=True)
            return Response(
                content, status_code=status, media_type="application/json", headers={"Idempotent-Replayed": "true"}
            )
        fault = recorder.fault_for(method, path)
        if fault is not None and fault.mode == "fail":
            call["status"] = fault.status
            return JSONResponse({"error": {"type": "api_error", "message": "injected fault"}}, status_code=fault.status)
        headers = {
            k: v for k, v in request.headers.items() if k.lower() in {"authorization", "content-type", "stripe-version"}
        }
        answer = await client.request(method, path, params=request.query_params, content=body, headers=headers)
        call["forwarded"] = True
        status, content = answer.status_code, answer.content
        if status < 300:
            content = _stateful(recorder, method, path, params, request.query_params.get("query"), answer.json())
        call["status"] = status
        if status < 300:
            with_id = json.loads(content)
            call["object_id"] = with_id.get("id") if isinstance(with_id, dict) else None
        if method == "POST" and key is not None and status < 500:
            recorder.answers[key] = (fingerprint, status, content)
        if fault is not None and fault.mode == "hang_after_forward":
            await asyncio.sleep(fault.seconds)
        return Response(content, status_code=status, media_type="application/json")

    def _stateful(
        recorder: Recorder, method: str, path: str, params: Mapping[str, Any], query: str | None, answer: Any
    ) -> bytes:
        parts = [p for p in path.split("/") if p][1:]  # without "v1"
        result: Any = answer
        if parts and parts[0] in KEPT_KINDS:
            kind = parts[0]
            if method == "POST" and len(parts) == 1:
                result = _created(recorder, kind, answer, params)
            elif method == "GET" and len(parts) == 2 and parts[1] == "search":
                found = _search(recorder, kind, query or "")
                result = answer if found is None else found
            elif len(parts) >= 2 and parts[1] in recorder.objects:
                kept = recorder.objects[parts[1]]
                if method == "POST" and len(parts) == 2:
                    kept["metadata"] = {**(kept.get("metadata") or {}), **dict(params.get("metadata") or {})}
                    for name in INVOICE_ECHOED:
                        if name in params and kind == "invoices":
                            kept[name] = params[name]
                elif method == "POST" and len(parts) == 3 and parts[2] == "add_lines" and kind == "invoices":
                    _add_lines(kept, params)
                elif method == "POST" and len(parts) == 3 and parts[2] in STATE_ACTIONS:
                    kept["status"] = STATE_ACTIONS[parts[2]]
                    if kind == "invoices":
                        _recompute_invoice(kept)
                if method == "GET" and len(parts) == 3 and parts[2] == "lines":
                    result = kept.get("lines", answer)
                else:
                    result = kept
        return json.dumps(result).encode()

    routes = [
        Route("/__proxy/calls", calls, methods=["GET"]),
        Route("/__proxy/reset", reset, methods=["POST"]),
        Route("/__proxy/faults", faults, methods=["POST"]),
        Route("/{path:path}", forward, methods=["GET", "POST", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.recorder = recorder
    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(
        description="A recording, idempotent, metadata-keeping proxy in front of stripe-mock"
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback unless a container network needs another")
    parser.add_argument("--port", type=int, default=12113)
    parser.add_argument("--upstream", default="http://127.0.0.1:12111")
    args = parser.parse_args(argv)
    # A hanging fault must not hold the shutdown: requests still open after 2 s are dropped.
    uvicorn.run(
        create_app(args.upstream),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )


if __name__ == "__main__":
    main()
