"""The catalogue of problem types: every problem ``code`` a service answers, what it means and what to do.

A problem's ``type`` is ``{public_base_url}/problems/{service}/{code}`` and resolves to a short page
(:mod:`vikar_shared.web.problem_pages`) made from the service's :class:`ProblemCatalogue`: the codes
every service shares (:data:`SHARED_TYPES`: authentication, validation of shared types, idempotency,
the framework's own answers) and the service's own (its ``problem_codes`` module). A code raised
without a catalogue entry is caught by the contract test ``tests/contract/test_problem_types.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Default address of the one origin the reverse proxy serves (ServiceSettings.public_base_url).
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8100"

# What to do, when an entry does not say more: by HTTP status, in Danish and English.
DEFAULT_ACTIONS: dict[int, dict[str, str]] = {
    401: {
        "da": "Hent et nyt, gyldigt adgangstoken og send anmodningen igen med det i Authorization-headeren.",
        "en": "Get a new, valid access token and send the request again with it in the Authorization header.",
    },
    403: {
        "da": "Bed en bruger med en rolle, der må gøre dette, om at gøre det.",
        "en": "Ask someone whose role allows this to do it.",
    },
    404: {
        "da": "Tjek id'et. Et objekt, du ikke har adgang til, findes heller ikke for dig.",
        "en": "Check the id. An object you may not see is not found either.",
    },
    409: {
        "da": "Hent objektet igen, se hvordan det står nu, og beslut igen.",
        "en": "Read the object again, see how it is now, and decide again.",
    },
    422: {
        "da": "Ret feltet, som `errors` nævner (`field` og `rule`), og send igen. Intet blev gemt.",
        "en": "Correct the field named in `errors` (`field` and `rule`) and send again. Nothing was saved.",
    },
    429: {
        "da": "Vent det antal sekunder, Retry-After-headeren angiver, og prøv igen.",
        "en": "Wait the number of seconds the Retry-After header gives, then try again.",
    },
    500: {
        "da": "Prøv igen om lidt. Sker det igen, så oplys `correlation_id` til driften.",
        "en": "Try again in a moment. If it happens again, quote the `correlation_id` to operations.",
    },
    502: {
        "da": "Prøv igen om lidt; en tjeneste, denne afhænger af, svarede ikke.",
        "en": "Try again in a moment; a service this one depends on did not answer.",
    },
}


@dataclass(frozen=True)
class ProblemType:
    """One problem ``code``: its HTTP ``status``, and per locale (``"da"``, ``"en"``) a ``title``, its
    ``meaning`` and what to do (``action``; by default :data:`DEFAULT_ACTIONS` for the status)."""

    code: str
    status: int
    title: Mapping[str, str]
    meaning: Mapping[str, str]
    action: Mapping[str, str] | None = None

    def what_to_do(self, locale: str) -> str:
        chosen = self.action or DEFAULT_ACTIONS.get(self.status) or DEFAULT_ACTIONS[500]
        return chosen[locale]


def entry(
    code: str, status: int, *, en: tuple[str, str], da: tuple[str, str], do: tuple[str, str] | None = None
) -> ProblemType:
    """A catalogue entry: ``en``/``da`` are (title, meaning); ``do`` is (English, Danish) what to do."""
    action = {"en": do[0], "da": do[1]} if do else None
    return ProblemType(code, status, {"en": en[0], "da": da[0]}, {"en": en[1], "da": da[1]}, action)


def not_found_entry(what: str, *, en: str, da: str, by: tuple[str, str] = ("id", "id'et")) -> ProblemType:
    """``{what}-not-found``: no such object visible to the caller (``en``/``da``: the object in words;
    ``by``: what it is named by in English and Danish, e.g. ``("address", "adressen")`` for an approver)."""
    return entry(
        f"{what}-not-found",
        404,
        en=(f"No such {en}", f"No {en} with that {by[0]} is visible to you: it does not exist, or it is not yours."),
        da=(
            f"Ukendt {da}",
            f"{by[1][0].upper() + by[1][1:]} passer ikke på nogen {da}, du har adgang til (findes den, men er den "
            "ikke din, svares det samme).",
        ),
        do=None
        if by[0] == "id"
        else (
            f"Check the {by[0]}. An object you may not see is not found either.",
            f"Tjek {by[1]}. Et objekt, du ikke har adgang til, findes heller ikke for dig.",
        ),
    )


def rule_entry(code: str, *, en: tuple[str, str], da: tuple[str, str]) -> ProblemType:
    """A 422 about one field (``errors`` names the field; the code is the rule broken)."""
    return entry(code, 422, en=en, da=da)


@dataclass(frozen=True)
class ProblemCatalogue:
    """Every problem type one service answers: :data:`SHARED_TYPES` and the service's own, by code."""

    service: str
    types: Mapping[str, ProblemType]

    def __contains__(self, code: object) -> bool:
        return code in self.types

    def get(self, code: str) -> ProblemType | None:
        return self.types.get(code)

    def path(self, code: str) -> str:
        """``/problems/{service}/{code}``: the page's path on the one origin."""
        return f"/problems/{self.service}/{code}"


_CATALOGUES: dict[str, ProblemCatalogue] = {}


def service_catalogue(service: str, own: Iterable[ProblemType]) -> ProblemCatalogue:
    """The catalogue of ``service``: the shared types plus ``own`` (an own entry with a shared code
    replaces the shared one). Registered, so the OpenAPI document can list the codes per status."""
    types = {t.code: t for t in SHARED_TYPES}
    for t in own:
        types[t.code] = t
    catalogue = ProblemCatalogue(service, dict(sorted(types.items())))
    _CATALOGUES[service] = catalogue
    return catalogue


def registered_catalogue(service: str) -> ProblemCatalogue | None:
    """The catalogue a service registered with :func:`service_catalogue`, if its module was imported."""
    return _CATALOGUES.get(service)


def type_uri(public_base_url: str, service: str, code: str) -> str:
    """``{public_base_url}/problems/{service}/{code}``: the ``type`` of a problem."""
    return f"{public_base_url.rstrip('/')}/problems/{service}/{code}"


SHARED_TYPES: tuple[ProblemType, ...] = (
    # Authentication (vikar_shared.auth)
    entry(
        "unauthenticated",
        401,
        en=("Not authenticated", "The request carries no bearer token (or not as `Authorization: Bearer <token>`)."),
        da=("Ikke logget ind", "Anmodningen har intet bearer-token (eller ikke som `Authorization: Bearer <token>`)."),
    ),
    entry(
        "token-malformed",
        401,
        en=("Malformed token", "The bearer token is not a well-formed JWT."),
        da=("Ugyldigt token", "Bearer-tokenet er ikke et gyldigt JWT."),
    ),
    entry(
        "token-signature",
        401,
        en=("Bad token signature", "The bearer token's signature does not match the key it names."),
        da=("Forkert signatur", "Bearer-tokenets signatur passer ikke til den nøgle, det nævner."),
    ),
    entry(
        "token-key-unknown",
        401,
        en=("Unknown signing key", "The bearer token names a key (`kid`) the service does not know."),
        da=("Ukendt nøgle", "Bearer-tokenet nævner en nøgle (`kid`), tjenesten ikke kender."),
    ),
    entry(
        "token-expired",
        401,
        en=("Token expired", "The bearer token's `exp` has passed."),
        da=("Token udløbet", "Bearer-tokenets `exp` er passeret."),
    ),
    entry(
        "token-not-yet-valid",
        401,
        en=("Token not yet valid", "The bearer token's `nbf` lies in the future."),
        da=("Token endnu ikke gyldigt", "Bearer-tokenets `nbf` ligger i fremtiden."),
    ),
    entry(
        "token-issued-in-future",
        401,
        en=("Token issued in the future", "The bearer token's `iat` lies in the future (beyond the leeway)."),
        da=("Token udstedt i fremtiden", "Bearer-tokenets `iat` ligger i fremtiden (ud over tolerancen)."),
    ),
    entry(
        "token-lifetime",
        401,
        en=("Token lives too long", "The bearer token's `exp - iat` is longer than the service accepts."),
        da=("Token lever for længe", "Bearer-tokenets `exp - iat` er længere, end tjenesten accepterer."),
    ),
    entry(
        "token-issuer",
        401,
        en=("Wrong issuer", "The bearer token's `iss` is not the issuer the service trusts."),
        da=("Forkert udsteder", "Bearer-tokenets `iss` er ikke den udsteder, tjenesten stoler på."),
    ),
    entry(
        "token-audience",
        401,
        en=("Wrong audience", "The bearer token's `aud` is not this system."),
        da=("Forkert modtager", "Bearer-tokenets `aud` er ikke dette system."),
    ),
    entry(
        "claim-required",
        401,
        en=("Claim missing", "The bearer token lacks a claim its role needs (e.g. `company_id`)."),
        da=("Claim mangler", "Bearer-tokenet mangler et claim, rollen kræver (fx `company_id`)."),
    ),
    entry(
        "claim-invalid",
        401,
        en=("Claim invalid", "A claim of the bearer token has the wrong type or value (`exp` as a string)."),
        da=("Ugyldigt claim", "Et claim i bearer-tokenet har forkert type eller værdi (`exp` som tekst)."),
    ),
    entry(
        "claim-sub-empty",
        401,
        en=("Subject empty", "The bearer token's `sub` claim is empty."),
        da=("Tomt subject", "Bearer-tokenets `sub` er tomt."),
    ),
    entry(
        "forbidden",
        403,
        en=("Not allowed", "The caller's role may not use this operation, or not on this object."),
        da=("Ikke tilladt", "Kalderens rolle må ikke bruge denne handling, eller ikke på dette objekt."),
    ),
    # Requests the framework refuses (vikar_shared.http.problems)
    entry(
        "request-invalid",
        422,
        en=("Request invalid", "The request does not match the operation's schema; `errors` names each field."),
        da=("Ugyldig anmodning", "Anmodningen passer ikke til handlingens skema; `errors` nævner hvert felt."),
    ),
    entry(
        "route-not-found",
        404,
        en=("No such path", "No operation answers at this path."),
        da=("Ukendt sti", "Ingen handling svarer på denne sti."),
        do=("Check the path against the OpenAPI document (/docs).", "Tjek stien mod OpenAPI-dokumentet (/docs)."),
    ),
    entry(
        "method-not-allowed",
        405,
        en=("Method not allowed", "The path exists, but not with this HTTP method."),
        da=("Metoden er ikke tilladt", "Stien findes, men ikke med denne HTTP-metode."),
        do=("Use a method the OpenAPI document lists for the path.", "Brug en metode, OpenAPI-dokumentet angiver."),
    ),
    entry(
        "http-error",
        400,
        en=("Request refused", "The request was refused by the HTTP layer; `detail` says why."),
        da=("Anmodningen blev afvist", "HTTP-laget afviste anmodningen; `detail` siger hvorfor."),
        do=("Correct the request as `detail` says.", "Ret anmodningen, som `detail` siger."),
    ),
    entry(
        "internal",
        500,
        en=("Unexpected error", "Something went wrong in the service; it was logged under `correlation_id`."),
        da=("Uventet fejl", "Noget gik galt i tjenesten; det er logget under `correlation_id`."),
    ),
    entry(
        "dependency-unavailable",
        503,
        en=(
            "A dependency is unavailable",
            "The database or the message broker could not be reached (e.g. during a restart). `written` "
            "says whether anything was saved: `false` nothing (the transaction was rolled back), `null` "
            "unknown (the connection was lost while saving).",
        ),
        da=(
            "En afhængighed er utilgængelig",
            "Databasen eller beskedkøen kunne ikke nås (fx under en genstart). `written` siger, om noget "
            "blev gemt: `false` intet (transaktionen blev rullet tilbage), `null` ukendt (forbindelsen "
            "forsvandt under gemningen).",
        ),
        do=(
            "Wait the seconds Retry-After gives and send the request again; if `written` is null, send it "
            "with the same Idempotency-Key or read the object first.",
            "Vent det antal sekunder, Retry-After angiver, og send anmodningen igen; er `written` null, så "
            "send den med samme Idempotency-Key eller hent objektet først.",
        ),
    ),
    entry(
        "service-unavailable",
        503,
        en=(
            "Service unavailable",
            "The proxy in front of the services got no answer from the service (it is restarting or down). "
            "`written` is `null`: the request may have been carried out before the answer was lost.",
        ),
        da=(
            "Tjenesten er utilgængelig",
            "Proxyen foran tjenesterne fik intet svar fra tjenesten (den genstarter eller er nede). `written` "
            "er `null`: anmodningen kan være udført, før svaret gik tabt.",
        ),
        do=(
            "Wait the seconds Retry-After gives, then read the object or send the request again with the "
            "same Idempotency-Key.",
            "Vent det antal sekunder, Retry-After angiver, og hent så objektet eller send anmodningen igen "
            "med samme Idempotency-Key.",
        ),
    ),
    entry(
        "body-too-large",
        413,
        en=("Body too large", "The request body is larger than 1 MiB, the most the one origin accepts."),
        da=("For stor anmodning", "Anmodningens indhold er større end 1 MiB, det meste den fælles adresse tager imod."),
        do=(
            "Send less at a time (e.g. approve week by week).",
            "Send mindre ad gangen (fx godkend uge for uge).",
        ),
    ),
    entry(
        "uri-too-long",
        414,
        en=(
            "Address too long",
            "The address (path and query) is longer than the one origin reads, about 8 KiB; nothing was done.",
        ),
        da=(
            "For lang adresse",
            "Adressen (sti og forespørgsel) er længere, end den fælles adresse læser, omkring 8 KiB; intet blev gjort.",
        ),
        do=(
            "Send a shorter address: the parameters the operation documents, each once.",
            "Send en kortere adresse: de parametre, handlingen dokumenterer, hver én gang.",
        ),
    ),
    entry(
        "rate-limited",
        429,
        en=("Too many requests", "Too many requests came from this client or for this address in a short time."),
        da=("For mange anmodninger", "Der kom for mange anmodninger fra denne klient eller til denne adresse."),
    ),
    entry(
        "problem-type-not-found",
        404,
        en=("No such problem type", "The service documents no problem with that code."),
        da=("Ukendt problemtype", "Tjenesten dokumenterer intet problem med den kode."),
        do=("See the index of the service's problem types.", "Se oversigten over tjenestens problemtyper."),
    ),
    # Idempotency-Key (vikar_shared.http.idempotency)
    entry(
        "idempotency-key-invalid",
        422,
        en=("Idempotency-Key invalid", "The Idempotency-Key header is empty, too long or not visible ASCII."),
        da=("Ugyldig Idempotency-Key", "Idempotency-Key-headeren er tom, for lang eller ikke synlig ASCII."),
        do=(
            "Send a key of 1 to 255 visible ASCII characters, e.g. a UUID.",
            "Send en nøgle på 1-255 synlige ASCII-tegn, fx et UUID.",
        ),
    ),
    entry(
        "idempotency-key-reused",
        422,
        en=("Idempotency-Key reused", "The key was used before for a different request (method, path or body)."),
        da=("Idempotency-Key genbrugt", "Nøglen er brugt før til en anden anmodning (metode, sti eller body)."),
        do=("Use a new key for a new request.", "Brug en ny nøgle til en ny anmodning."),
    ),
    entry(
        "idempotency-key-in-flight",
        409,
        en=("Same key in flight", "A request with this Idempotency-Key is still being processed."),
        da=("Samme nøgle i gang", "En anmodning med denne Idempotency-Key behandles stadig."),
        do=(
            "Retry with the same key once the first request has finished.",
            "Prøv igen med samme nøgle, når den første er færdig.",
        ),
    ),
    # Shared value types (vikar_shared.types): a field's rule, answered as the problem's code
    rule_entry(
        "not-blank",
        en=("Blank text", "The text holds nothing but spaces or invisible characters."),
        da=("Tom tekst", "Teksten indeholder kun mellemrum eller usynlige tegn."),
    ),
    rule_entry(
        "date-format",
        en=("Date format", "A date is written YYYY-MM-DD and exists in the calendar."),
        da=("Datoformat", "En dato skrives ÅÅÅÅ-MM-DD og skal findes i kalenderen."),
    ),
    rule_entry(
        "date-out-of-range",
        en=("Date out of range", "The date lies outside the years 2000 to 2100."),
        da=("Dato uden for området", "Datoen ligger uden for årene 2000 til 2100."),
    ),
    rule_entry(
        "month-format",
        en=("Month format", "A month is written YYYY-MM, e.g. 2026-11."),
        da=("Månedsformat", "En måned skrives ÅÅÅÅ-MM, fx 2026-11."),
    ),
    rule_entry(
        "month-out-of-range",
        en=("Month out of range", "The month lies outside the years 2000 to 2100."),
        da=("Måned uden for området", "Måneden ligger uden for årene 2000 til 2100."),
    ),
    rule_entry(
        "iso-week-invalid",
        en=("ISO week invalid", "An ISO week is written YYYY-Www (e.g. 2026-W47) and exists in that year."),
        da=("Ugyldig ISO-uge", "En ISO-uge skrives ÅÅÅÅ-Wuu (fx 2026-W47) og skal findes i året."),
    ),
    rule_entry(
        "iso-week-out-of-range",
        en=("ISO week out of range", "The week lies outside the years 2000 to 2100."),
        da=("ISO-uge uden for området", "Ugen ligger uden for årene 2000 til 2100."),
    ),
    rule_entry(
        "cpr-format",
        en=("CPR format", "A CPR number is 10 digits, DDMMYY-SSSS."),
        da=("CPR-format", "Et CPR-nummer er 10 cifre, DDMMÅÅ-SSSS."),
    ),
    rule_entry(
        "cpr-date",
        en=("CPR birth date", "A CPR number begins with a birth date that exists (DDMMYY)."),
        da=("CPR-fødselsdato", "Et CPR-nummer begynder med en fødselsdato, der findes (DDMMÅÅ)."),
    ),
    rule_entry(
        "cvr-format",
        en=("CVR format", "A CVR number is 8 digits and does not start with 0."),
        da=("CVR-format", "Et CVR-nummer er 8 cifre og begynder ikke med 0."),
    ),
    rule_entry(
        "cvr-checksum",
        en=("CVR check", "The CVR number fails the modulus-11 check: a digit is wrong."),
        da=("CVR-kontrol", "CVR-nummeret består ikke modulus 11-kontrollen: et ciffer er forkert."),
    ),
    rule_entry(
        "ean-format",
        en=("EAN format", "An EAN/GLN location number is 13 digits."),
        da=("EAN-format", "Et EAN/GLN-lokationsnummer er 13 cifre."),
    ),
    rule_entry(
        "ean-check-digit",
        en=("EAN check digit", "The EAN/GLN number fails the GS1 modulus-10 check digit."),
        da=("EAN-kontrolciffer", "EAN/GLN-nummeret består ikke GS1's modulus 10-kontrolciffer."),
    ),
    rule_entry(
        "postcode-format",
        en=("Postcode format", "A Danish postcode is 4 digits."),
        da=("Postnummerformat", "Et dansk postnummer er 4 cifre."),
    ),
    # Whole numbers in paths (vikar_shared.types.identifiers.whole_number): digits only, in range.
    rule_entry(
        "employee-number-format",
        en=("Employee number format", "An employee number is written in 1 to 8 digits (no sign, point or space)."),
        da=(
            "Medarbejdernummerets format",
            "Et medarbejdernummer skrives med 1 til 8 cifre (uden fortegn, punktum og mellemrum).",
        ),
    ),
    rule_entry(
        "employee-number-range",
        en=("Employee number range", "An employee number is 1 to 99 999 999."),
        da=("Medarbejdernummerets interval", "Et medarbejdernummer er 1 til 99 999 999."),
    ),
    rule_entry(
        "email-id-format",
        en=("E-mail id format", "An e-mail id is written in digits (no sign, point or space)."),
        da=("E-mail-id'ets format", "Et e-mail-id skrives med cifre (uden fortegn, punktum og mellemrum)."),
    ),
    rule_entry(
        "email-id-range",
        en=("E-mail id range", "An e-mail id is 1 to 9 223 372 036 854 775 807."),
        da=("E-mail-id'ets interval", "Et e-mail-id er 1 til 9 223 372 036 854 775 807."),
    ),
)
