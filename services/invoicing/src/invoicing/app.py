"""The invoicing service: approved hours become billable lines and municipal co-financing lines."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from invoicing.co_financing.endpoints import router as co_financing
from invoicing.config import InvoicingSettings
from invoicing.documents.endpoints import router as documents
from invoicing.documents.jobs import render_invoice_documents
from invoicing.economics.endpoints import router as economics
from invoicing.invoices.endpoints import router as invoices
from invoicing.ledger.endpoints import router as ledger
from invoicing.municipality_kpis.endpoints import router as municipality_kpis
from invoicing.municipality_pages.endpoints import router as municipality_pages
from invoicing.municipality_pages.web import install_municipality_error_pages
from invoicing.payment_reminders.endpoints import router as payment_reminders
from invoicing.payment_reminders.jobs import payment_reminder_schedule
from invoicing.payments.endpoints import router as payments
from invoicing.payroll.endpoints import router as payroll
from invoicing.portal.endpoints import router as portal_invoices
from invoicing.portal.web import install_portal_error_pages
from invoicing.problem_codes import router as problem_pages
from invoicing.reconciliation.endpoints import router as reconciliation
from invoicing.statement_documents.endpoints import router as statement_documents
from invoicing.statement_documents.jobs import render_statement_documents
from invoicing.statements.endpoints import router as statements
from invoicing.stripe_sync.jobs import sync_to_stripe
from invoicing.stripe_webhooks.endpoints import router as stripe_webhooks
from invoicing.stripe_webhooks.jobs import process_stripe_webhooks
from invoicing.worker import CONSUMERS
from vikar_shared.http.app import create_service_app
from vikar_shared.runtime import Role

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(settings: InvoicingSettings | None = None, role: Role = Role.ALL) -> FastAPI:
    app = create_service_app(
        settings or InvoicingSettings(),
        title="Vikarmodel invoicing",
        description="Company invoices (closes, drafts, issued numbered invoices) and municipal co-financing "
        "statements from approved hours.",
        # payments before ledger: its GET /invoices/overdue must match before the ledger's /invoices/{invoice_id}.
        # Issue 10: the company approval portal's invoices pages (/portal/invoices under the one origin).
        routers=[
            invoices,
            payments,
            ledger,
            documents,
            reconciliation,
            co_financing,
            # Issue 11: the documents of statements (PDF, CSV, JSON, Peppol UBL) and their deliveries.
            statement_documents,
            statements,
            # Issue 12: a municipality's progress figures (JSON).
            municipality_kpis,
            # Issue 13: pay periods (wage basis for payroll) and what each placement earns.
            payroll,
            economics,
            stripe_webhooks,
            # Issue 14 (part E): payment reminders (rykkere).
            payment_reminders,
            portal_invoices,
            # Issue 12: the municipality's pages (/municipality under the one origin).
            municipality_pages,
            problem_pages,
        ],
        migrations=MIGRATIONS,
        consumers=CONSUMERS,
        # Issue 9: the invoice PDF, rendered by the worker after the issuing transaction.
        # Issue 10: Stripe's webhook events, processed after the request stored them; issued invoices and credit
        # notes carried to Stripe after the issuing transaction.
        # Issue 11: the PDF and the validated Peppol UBL of each issued statement.
        # Issue 14 (part E): the daily payment reminders (vikar_shared.scheduling).
        background=[
            render_invoice_documents,
            process_stripe_webhooks,
            sync_to_stripe,
            render_statement_documents,
            payment_reminder_schedule,
        ],
        role=role,
    )
    install_portal_error_pages(app)
    install_municipality_error_pages(app)
    return app
