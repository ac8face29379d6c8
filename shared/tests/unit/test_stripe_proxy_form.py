"""The Stripe proxy decodes Stripe's form encoding as Stripe does (nested keys, list indexes)."""

from __future__ import annotations

from vikar_shared.testing.stripe_proxy import decode_form


def test_nested_keys_and_lists() -> None:
    body = (
        b"customer=cus_1&metadata[invoice_id]=i-1&lines[0][amount]=-5&lines[0][tax_amounts][0][amount]=2"
        b"&lines[0][tax_amounts][0][tax_rate_data][percentage]=25&lines[1][amount]=7&expand[0]=lines"
    )
    assert decode_form(body) == {
        "customer": "cus_1",
        "metadata": {"invoice_id": "i-1"},
        "lines": [
            {"amount": "-5", "tax_amounts": [{"amount": "2", "tax_rate_data": {"percentage": "25"}}]},
            {"amount": "7"},
        ],
        "expand": ["lines"],
    }
