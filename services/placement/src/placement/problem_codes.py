"""Every problem code the placement service answers besides the shared ones
(:data:`vikar_shared.http.problem_types.SHARED_TYPES`); each has a page at
``{public_base_url}/problems/placement/{code}``."""

from __future__ import annotations

from vikar_shared.http.problem_types import entry, not_found_entry, rule_entry, service_catalogue
from vikar_shared.web.problem_pages import problem_pages

_USE_EXISTING = (
    "Use the existing object the problem names in `existing` (type and id) instead of creating another.",
    "Brug det eksisterende objekt, problemet nævner i `existing` (type og id), i stedet for at oprette et nyt.",
)


CATALOGUE = service_catalogue(
    "placement",
    [
        not_found_entry("approver", en="approver", da="godkender", by=("address", "adressen")),
        not_found_entry("citizen", en="citizen", da="borger"),
        not_found_entry("company", en="company", da="virksomhed"),
        not_found_entry("municipality", en="municipality", da="kommune"),
        not_found_entry("municipality-user", en="municipality user", da="kommunal bruger", by=("address", "adressen")),
        not_found_entry("opening", en="job opening", da="jobåbning"),
        not_found_entry("placement", en="placement", da="placering"),
        not_found_entry("referral", en="referral", da="henvisning"),
        not_found_entry("terms", en="agreement terms", da="aftalevilkår"),
        # Already there (409 with `existing`)
        entry(
            "activity-exists",
            409,
            en=("Activity already logged", "This activity is already in the log."),
            da=("Aktiviteten findes", "Aktiviteten er allerede logget."),
            do=_USE_EXISTING,
        ),
        entry(
            "company-exists",
            409,
            en=("Company already registered", "A company with this CVR number exists."),
            da=("Virksomheden findes", "En virksomhed med dette CVR-nummer findes allerede."),
            do=_USE_EXISTING,
        ),
        entry(
            "municipality-exists",
            409,
            en=("Municipality already registered", "A municipality of that name exists."),
            da=("Kommunen findes", "En kommune med det navn findes allerede."),
            do=_USE_EXISTING,
        ),
        entry(
            "opening-exists",
            409,
            en=("Opening already reported", "This job is already reported and open."),
            da=("Jobåbningen findes", "Jobbet er allerede meldt og åbent."),
            do=_USE_EXISTING,
        ),
        entry(
            "referral-exists",
            409,
            en=("Already referred", "The municipality already referred the citizen on that date."),
            da=("Allerede henvist", "Kommunen har allerede henvist borgeren på den dato."),
            do=_USE_EXISTING,
        ),
        entry(
            "terms-exist",
            409,
            en=(
                "Terms exist for that date",
                "Agreement terms effective from that date exist; terms are never changed.",
            ),
            da=("Vilkår findes for datoen", "Der findes aftalevilkår med virkning fra den dato; vilkår ændres aldrig."),
            do=("Add terms with a new effective date instead.", "Tilføj i stedet vilkår med en ny virkningsdato."),
        ),
        entry(
            "placement-overlaps",
            409,
            en=("Placement overlaps", "The citizen already has a placement at this company on some of these days."),
            da=("Placeringen overlapper", "Borgeren har allerede en placering i virksomheden på nogle af dagene."),
            do=_USE_EXISTING,
        ),
        # State conflicts
        entry(
            "approvers-limit",
            409,
            en=("Too many approvers", "A company has at most the number of approvers allowed."),
            da=("For mange godkendere", "En virksomhed kan højst have det tilladte antal godkendere."),
            do=("Remove an approver before adding another.", "Fjern en godkender, før du tilføjer en ny."),
        ),
        entry(
            "municipality-users-limit",
            409,
            en=("Too many users", "A municipality has at most the number of users allowed."),
            da=("For mange brugere", "En kommune kan højst have det tilladte antal brugere."),
            do=("Remove a user before adding another.", "Fjern en bruger, før du tilføjer en ny."),
        ),
        entry(
            "last-approver",
            409,
            en=("Last approver", "A company needs an approver; the last one cannot be removed."),
            da=("Sidste godkender", "En virksomhed skal have en godkender; den sidste kan ikke fjernes."),
            do=(
                "Add another approver first, then remove this one.",
                "Tilføj en anden godkender først, og fjern så denne.",
            ),
        ),
        entry(
            "opening-not-open",
            409,
            en=("Opening not open", "Only an open job opening can change status."),
            da=("Jobåbningen er ikke åben", "Kun en åben jobåbning kan skifte status."),
        ),
        entry(
            "placement-not-planned",
            409,
            en=("Placement not planned", "Only a planned placement can start."),
            da=("Placeringen er ikke planlagt", "Kun en planlagt placering kan starte."),
        ),
        entry(
            "placement-not-active",
            409,
            en=("Placement not active", "Only an active placement can end."),
            da=("Placeringen er ikke aktiv", "Kun en aktiv placering kan afsluttes."),
        ),
        # A field's rule (422; `errors` names the field)
        rule_entry(
            "exists",
            en=("Refers to nothing", "The id in the field names no object that exists."),
            da=("Henviser til intet", "Id'et i feltet nævner intet objekt, der findes."),
        ),
        rule_entry(
            "required", en=("Required", "The field must be given here."), da=("Påkrævet", "Feltet skal udfyldes her.")
        ),
        rule_entry(
            "not-null",
            en=("Cannot be cleared", "The field may be changed but not cleared (null)."),
            da=("Kan ikke ryddes", "Feltet kan ændres, men ikke ryddes (null)."),
        ),
        rule_entry(
            "non-negative",
            en=("Negative number", "The number cannot be negative."),
            da=("Negativt tal", "Tallet kan ikke være negativt."),
        ),
        rule_entry(
            "cpr-not-allowed",
            en=(
                "CPR number in free text",
                "The text holds a CPR number; it would leave the placement service (events, statements, e-invoices), "
                "which a CPR number never does.",
            ),
            da=(
                "CPR-nummer i fritekst",
                "Teksten indeholder et CPR-nummer; den forlader placeringstjenesten (hændelser, opgørelser, "
                "e-fakturaer), hvad et CPR-nummer aldrig gør.",
            ),
        ),
        rule_entry(
            "not-in-future",
            en=("Date in the future", "The date cannot lie in the future."),
            da=("Dato i fremtiden", "Datoen kan ikke ligge i fremtiden."),
        ),
        rule_entry(
            "unique-email",
            en=(
                "E-mail given twice",
                "Each e-mail address (of an approver, a backup approver, a contact or a user) may appear once.",
            ),
            da=(
                "E-mail to gange",
                "Hver e-mailadresse (en godkenders, en stedfortræders, en kontakts eller en brugers) må kun optræde "
                "én gang.",
            ),
        ),
        rule_entry(
            "phone-or-email",
            en=("Contact incomplete", "A contact needs a phone number or an e-mail address."),
            da=("Kontakt ufuldstændig", "En kontakt skal have et telefonnummer eller en e-mailadresse."),
        ),
        rule_entry(
            "after-start",
            en=("End before start", "The end date cannot be before the start date."),
            da=("Slut før start", "Slutdatoen kan ikke ligge før startdatoen."),
        ),
        rule_entry(
            "after-referral",
            en=("Start before referral", "A placement cannot start before the citizen was referred."),
            da=("Start før henvisning", "En placering kan ikke starte, før borgeren blev henvist."),
        ),
        rule_entry(
            "on-or-after-start",
            en=("Before the start", "A rate version cannot take effect before the placement starts."),
            da=("Før starten", "En satsversion kan ikke få virkning, før placeringen starter."),
        ),
        rule_entry(
            "on-or-before-end",
            en=("After the end", "A rate version cannot take effect after the placement ends."),
            da=("Efter slutningen", "En satsversion kan ikke få virkning, efter placeringen slutter."),
        ),
        rule_entry(
            "same-company",
            en=("Another company's opening", "The opening belongs to another company than the placement."),
            da=("Anden virksomheds jobåbning", "Jobåbningen tilhører en anden virksomhed end placeringen."),
        ),
        rule_entry(
            "citizens-placement",
            en=("Not the citizen's placement", "No placement of this citizen has that id."),
            da=("Ikke borgerens placering", "Ingen af borgerens placeringer har det id."),
        ),
        rule_entry(
            "required-for-preboarding",
            en=("Attendance missing", "A preboarding session records attendance."),
            da=("Fremmøde mangler", "Et preboarding-forløb registrerer fremmøde."),
        ),
        rule_entry(
            "only-for-preboarding",
            en=("Attendance not recorded here", "Attendance is recorded for preboarding sessions only."),
            da=("Fremmøde hører ikke hertil", "Fremmøde registreres kun for preboarding-forløb."),
        ),
        rule_entry(
            "required-for-follow-up",
            en=("Placement missing", "A follow-up names the placement it follows up."),
            da=("Placering mangler", "En opfølgning nævner den placering, den følger op på."),
        ),
        rule_entry(
            "target-group-exists",
            en=("Unknown target group", "No target group has that code."),
            da=("Ukendt målgruppe", "Ingen målgruppe har den kode."),
        ),
        rule_entry(
            "target-group-valid-on-date",
            en=("Target group not valid then", "The target group is not valid on that date."),
            da=("Målgruppen gælder ikke da", "Målgruppen gælder ikke på den dato."),
        ),
        rule_entry(
            "terms-in-force",
            en=("No terms in force", "The municipality has no agreement terms in force on that date."),
            da=("Ingen vilkår gældende", "Kommunen har ingen gældende aftalevilkår på den dato."),
        ),
        # Issue 11: the statement terms of an agreement (placement.agreements.models.check_statement_terms).
        rule_entry(
            "vat-exemption-reason-required",
            en=("Exemption reason missing", "VAT category E or O needs the exemption reason (BR-E-10, BR-O-10)."),
            da=("Fritagelsesgrund mangler", "Momskategori E eller O kræver fritagelsesgrunden (BR-E-10, BR-O-10)."),
        ),
        rule_entry(
            "vat-exemption-reason-not-allowed",
            en=("Exemption reason not allowed", "An exemption reason goes only with VAT category E or O (BR-S-10)."),
            da=("Fritagelsesgrund ikke tilladt", "En fritagelsesgrund hører kun til momskategori E eller O (BR-S-10)."),
        ),
        rule_entry(
            "payment-means-code-allowed",
            en=(
                "Payment means not allowed",
                "Statements state only the Danish payment means codes (DK-R-005) that need no mandate or payment id: "
                "1, 10, 31, 42, 48, 58, 97.",
            ),
            da=(
                "Betalingsmåde ikke tilladt",
                "Opgørelser angiver kun de danske betalingsmåder (DK-R-005), der ikke kræver mandat eller "
                "betalings-id: 1, 10, 31, 42, 48, 58, 97.",
            ),
        ),
        rule_entry(
            "iban-format",
            en=("Not an IBAN", "The field is not an IBAN (country code, check digits, account)."),
            da=("Ikke et IBAN", "Feltet er ikke et IBAN (landekode, kontrolcifre, konto)."),
        ),
        rule_entry(
            "iban-checksum",
            en=("IBAN check digits wrong", "The IBAN's check digits do not match (ISO 13616, mod 97)."),
            da=("IBAN-kontrolcifre forkerte", "IBAN'ets kontrolcifre passer ikke (ISO 13616, mod 97)."),
        ),
        rule_entry(
            "bank-registration-format",
            en=("Not a registration number", "A Danish bank registration number is 4 digits."),
            da=("Ikke et registreringsnummer", "Et dansk registreringsnummer er 4 cifre."),
        ),
        rule_entry(
            "bank-account-format",
            en=("Not an account number", "A Danish bank account number is 1 to 10 digits."),
            da=("Ikke et kontonummer", "Et dansk kontonummer er 1 til 10 cifre."),
        ),
        rule_entry(
            "payee-iban-required",
            en=("IBAN missing", "Payment means 58 (SEPA credit transfer) needs the payee's IBAN (BR-61)."),
            da=("IBAN mangler", "Betalingsmåde 58 (SEPA-overførsel) kræver modtagerens IBAN (BR-61)."),
        ),
        rule_entry(
            "payee-bank-registration-required",
            en=("Registration number missing", "Payment means 31 and 42 need the registration number (DK-R-006)."),
            da=("Registreringsnummer mangler", "Betalingsmåde 31 og 42 kræver registreringsnummeret (DK-R-006)."),
        ),
        rule_entry(
            "payee-bank-account-required",
            en=("Account number missing", "Payment means 31 and 42 need the account number (DK-R-006)."),
            da=("Kontonummer mangler", "Betalingsmåde 31 og 42 kræver kontonummeret (DK-R-006)."),
        ),
        # Issue 13 (part A): employee numbers and the CPR export.
        not_found_entry("employee", en="employee", da="medarbejder", by=("number", "nummeret")),
        rule_entry(
            "range-reversed",
            en=("Range reversed", "The range ends before it starts."),
            da=("Omvendt interval", "Intervallet slutter, før det begynder."),
        ),
        rule_entry(
            "range-too-long",
            en=("Range too long", "The range covers more days than one export allows (366, both ends included)."),
            da=("For langt interval", "Intervallet dækker flere dage, end ét udtræk tillader (366, begge dage med)."),
        ),
        # Issue 14 (part A): the staff directory.
        not_found_entry("staff", en="staff member", da="medarbejder i personalelisten"),
        entry(
            "staff-subject-taken",
            409,
            en=("Subject taken", "A staff member already signs in with this subject."),
            da=("Login-id optaget", "En medarbejder logger allerede ind med dette login-id."),
            do=_USE_EXISTING,
        ),
    ],
)
# GET /problems/<service>/ and /problems/<service>/{code}: included by app.py.
router = problem_pages(CATALOGUE)
