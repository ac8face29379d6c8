"""Every problem code the notifications service answers besides the shared ones
(:data:`vikar_shared.http.problem_types.SHARED_TYPES`); each has a page at
``{public_base_url}/problems/notifications/{code}``."""

from __future__ import annotations

from vikar_shared.http.problem_types import entry, not_found_entry, rule_entry, service_catalogue
from vikar_shared.web.problem_pages import problem_pages

CATALOGUE = service_catalogue(
    "notifications",
    [
        not_found_entry("email", en="e-mail", da="e-mail"),
        not_found_entry(
            "consultant", en="active consultant in the staff directory", da="aktiv konsulent i medarbejderlisten"
        ),
        # Issue 14, part D: webhooks.
        not_found_entry("webhook-endpoint", en="webhook endpoint", da="webhook-endpoint"),
        not_found_entry("webhook-delivery", en="webhook delivery", da="webhook-levering"),
        entry(
            "webhook-endpoint-disabled",
            409,
            en=("Webhook endpoint disabled", "The delivery's endpoint is disabled, so nothing is sent to it."),
            da=("Webhook-endpoint slået fra", "Leveringens endpoint er slået fra, så intet sendes til det."),
            do=(
                "Enable the endpoint (PATCH with enabled: true), then replay.",
                "Slå endpointet til (PATCH med enabled: true), og send så igen.",
            ),
        ),
        rule_entry(
            "webhook-url-invalid",
            en=(
                "Webhook URL not usable",
                "The url must be an absolute http(s) URL with a host, no user name, "
                "password, query or fragment, at most 2000 characters.",
            ),
            da=(
                "Webhook-URL kan ikke bruges",
                "url skal være en absolut http(s)-URL med en vært, uden brugernavn, "
                "adgangskode, forespørgsel eller fragment, højst 2000 tegn.",
            ),
        ),
        rule_entry(
            "webhook-url-not-https",
            en=("Webhook URL not https", "Webhooks are sent over https only."),
            da=("Webhook-URL er ikke https", "Webhooks sendes kun over https."),
        ),
        rule_entry(
            "webhook-url-private",
            en=(
                "Webhook URL not public",
                "The url's host is, or resolves to, a loopback, private, link-local, "
                "multicast or reserved address; webhooks go to public addresses only.",
            ),
            da=(
                "Webhook-URL er ikke offentlig",
                "url'ens vært er, eller slås op til, en loopback-, privat, "
                "link-local-, multicast- eller reserveret adresse; webhooks sendes kun til offentlige adresser.",
            ),
        ),
        rule_entry(
            "webhook-event-types-empty",
            en=("No event types", "event_types must name at least one event type."),
            da=("Ingen hændelsestyper", "event_types skal nævne mindst én hændelsestype."),
        ),
        rule_entry(
            "webhook-event-type-unknown",
            en=(
                "Unknown event type",
                "An event type is not one webhooks deliver (invoicing's invoice, credit "
                "note, payment, payment reminder and statement events).",
            ),
            da=(
                "Ukendt hændelsestype",
                "En hændelsestype er ikke en, webhooks leverer (invoicings hændelser om "
                "fakturaer, kreditnotaer, betalinger, rykkere og opgørelser).",
            ),
        ),
        rule_entry(
            "webhook-delivery-id-format",
            en=("Delivery id not a number", "A delivery id is a whole number written in digits."),
            da=("Leverings-id er ikke et tal", "Et leverings-id er et helt tal skrevet med cifre."),
        ),
        rule_entry(
            "webhook-delivery-id-range",
            en=("Delivery id out of range", "A delivery id is at least 1 and fits in 64 bits."),
            da=("Leverings-id uden for området", "Et leverings-id er mindst 1 og kan være i 64 bit."),
        ),
        # Issue 14 part C: the reminder ladder settings.
        not_found_entry("company", en="company", da="virksomhed"),
        entry(
            "reminder-settings-invalid",
            422,
            en=("Reminder ladder not valid", "The reminder ladder breaks the rules listed under errors."),
            da=("Påmindelsesstigen er ugyldig", "Påmindelsesstigen bryder de regler, der står under errors."),
            do=(
                "Give whole working days 1..60 that rise: reminder < follow-up < escalation < deemed approval.",
                "Angiv hele arbejdsdage 1..60 i stigende rækkefølge: påmindelse < opfølgning < eskalering < "
                "anset for godkendt.",
            ),
        ),
        rule_entry(
            "working-days-out-of-range",
            en=("Working days out of range", "A step of the ladder is a whole number of working days, 1 to 60."),
            da=("Arbejdsdage uden for grænserne", "Et trin på stigen er et helt antal arbejdsdage, 1 til 60."),
        ),
        rule_entry(
            "ladder-not-rising",
            en=(
                "Ladder not rising",
                "Each step comes after the one before: reminder < follow-up < escalation < deemed approval.",
            ),
            da=(
                "Stigen stiger ikke",
                "Hvert trin kommer efter det forrige: påmindelse < opfølgning < eskalering < anset for godkendt.",
            ),
        ),
        # Issue 14 (part A): the consultant digest.
        rule_entry(
            "consultant-required",
            en=("Consultant missing", "An admin names the consultant whose digest to send."),
            da=("Konsulent mangler", "En administrator angiver, hvilken konsulents oversigt der skal sendes."),
        ),
    ],
)
# GET /problems/<service>/ and /problems/<service>/{code}: included by app.py.
router = problem_pages(CATALOGUE)
