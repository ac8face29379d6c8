"""Every problem code the invoicing service answers besides the shared ones
(:data:`vikar_shared.http.problem_types.SHARED_TYPES`); each has a page at
``{public_base_url}/problems/invoicing/{code}``."""

from __future__ import annotations

from vikar_shared.http.problem_types import entry, not_found_entry, rule_entry, service_catalogue
from vikar_shared.web.problem_pages import problem_pages

CATALOGUE = service_catalogue(
    "invoicing",
    [
        not_found_entry("company", en="company", da="virksomhed"),
        not_found_entry("municipality", en="municipality", da="kommune"),
        # Issue 9: the ledger.
        not_found_entry("invoice", en="invoice", da="faktura"),
        not_found_entry("close", en="close", da="periodeafslutning"),
        rule_entry(
            "close-through-future",
            en=("Close date in the future", "A close can only cover periods up to today."),
            da=("Afslutningsdato i fremtiden", "En periodeafslutning kan kun dække perioder til og med i dag."),
        ),
        entry(
            "invoice-issued",
            409,
            en=(
                "Invoice issued",
                "An issued invoice or credit note is a fact: it is never edited, regenerated, deleted or issued again.",
            ),
            da=(
                "Fakturaen er udstedt",
                "En udstedt faktura eller kreditnota er et faktum: den rettes, dannes igen, slettes eller udstedes "
                "aldrig igen.",
            ),
            do=(
                "Approve a correction: the next close drafts a credit note for hours taken away; hours added go on "
                "the next invoice.",
                "Godkend en rettelse: næste periodeafslutning laver en kreditnota for fjernede timer; timer, der "
                "kommer til, kommer på næste faktura.",
            ),
        ),
        entry(
            "invoice-empty",
            409,
            en=("Empty draft", "The draft has no lines, so there is nothing to invoice."),
            da=("Tom kladde", "Kladden har ingen linjer, så der er intet at fakturere."),
            do=(
                "Delete the draft, or regenerate it when hours have been approved.",
                "Slet kladden, eller dan den igen, når der er godkendt timer.",
            ),
        ),
        entry(
            "invoice-negative-total",
            409,
            en=("Negative total", "The draft's corrections outweigh its hours; an invoice never has a negative total."),
            da=(
                "Negativ total",
                "Kladdens rettelser er større end dens timer; en faktura har aldrig en negativ total.",
            ),
            do=(
                "Delete the draft: the next close credits the lowered hours of issued invoices with credit notes.",
                "Slet kladden: næste periodeafslutning krediterer de fjernede timer på udstedte fakturaer med "
                "kreditnotaer.",
            ),
        ),
        entry(
            "buyer-incomplete",
            409,
            en=(
                "Buyer's address missing",
                "An invoice must state the buyer's name and address (momsbekendtgørelsen § 58); invoicing has not "
                "been told the company's billing address.",
            ),
            da=(
                "Køberens adresse mangler",
                "En faktura skal angive køberens navn og adresse (momsbekendtgørelsens § 58); fakturering kender "
                "ikke virksomhedens faktureringsadresse.",
            ),
            do=(
                "Set the company's address in placement, then issue again.",
                "Angiv virksomhedens adresse på virksomheden (hos konsulenten), og udsted igen.",
            ),
        ),
        # Issue 9: invoice documents.
        entry(
            "document-not-ready",
            404,
            en=(
                "Invoice PDF not ready",
                "The invoice's PDF is rendered shortly after it is issued and is not there yet (a draft has none).",
            ),
            da=(
                "Fakturaens PDF er ikke klar",
                "Fakturaens PDF dannes kort efter, at den er udstedt, og findes ikke endnu (en kladde har ingen).",
            ),
            do=(
                "Ask again after the seconds in Retry-After; issue a draft first.",
                "Spørg igen efter det antal sekunder, Retry-After angiver; udsted først en kladde.",
            ),
        ),
        entry(
            "credit-exceeds-invoice",
            409,
            en=(
                "Credit exceeds the invoice",
                "A credit note never credits more than the invoice's net not yet credited by earlier credit notes "
                "(or by a void booked from Stripe).",
            ),
            da=(
                "Kreditering over fakturaen",
                "En kreditnota krediterer aldrig mere end den del af fakturaens nettobeløb, som tidligere "
                "kreditnotaer (eller en annullering fra Stripe) ikke allerede har krediteret.",
            ),
            do=("Delete the draft credit note.", "Slet kladden til kreditnotaen."),
        ),
        # Issue 10: payments.
        entry(
            "invoice-not-payable",
            409,
            en=(
                "Not a payable invoice",
                "Payments are recorded against issued invoices only: a draft is owed by nobody yet, and a credit "
                "note is owed to the company.",
            ),
            da=(
                "Ikke en faktura, der kan betales",
                "Betalinger registreres kun på udstedte fakturaer: en kladde skylder ingen endnu, og en kreditnota "
                "skyldes virksomheden.",
            ),
            do=(
                "Issue the draft first, or record the payment on the invoice.",
                "Udsted kladden først, eller registrér betalingen på fakturaen.",
            ),
        ),
        # Issue 10: payments outside Stripe, overdue invoices, finance's views (helper "payments").
        rule_entry(
            "paid-on-future",
            en=("Payment date in the future", "A payment is recorded when the money has arrived: today or earlier."),
            da=("Betalingsdato i fremtiden", "En betaling registreres, når pengene er kommet: i dag eller før."),
        ),
        rule_entry(
            "paid-on-before-issue",
            en=("Payment before the invoice", "The payment date is before the invoice's issue date."),
            da=("Betaling før fakturaen", "Betalingsdatoen ligger før fakturaens udstedelsesdato."),
        ),
        rule_entry(
            "sent-on-future",
            en=("Reminder date in the future", "A reminder is recorded once it was sent: today or earlier."),
            da=("Rykkerdato i fremtiden", "En rykker registreres, når den er sendt: i dag eller før."),
        ),
        rule_entry(
            "range-reversed",
            en=("Range reversed", "The range ends before it starts."),
            da=("Omvendt interval", "Intervallet slutter, før det begynder."),
        ),
        rule_entry(
            "range-too-long",
            en=("Range too long", "The range covers more than one year."),
            da=("For langt interval", "Intervallet dækker mere end ét år."),
        ),
        entry(
            "invoice-settled",
            409,
            en=("Nothing owed", "The invoice is paid, overpaid or credited: nothing is owed, so no reminder."),
            da=("Intet skyldes", "Fakturaen er betalt, overbetalt eller krediteret: intet skyldes, så ingen rykker."),
        ),
        entry(
            "reminder-before-due",
            409,
            en=(
                "Reminder before the due date",
                "A payment reminder may only be sent after the due date has passed (renteloven § 9 b).",
            ),
            da=(
                "Rykker før forfaldsdagen",
                "En rykker må først sendes, når forfaldsdagen er passeret (rentelovens § 9 b).",
            ),
            do=("Wait until the day after the due date.", "Vent til dagen efter forfaldsdagen."),
        ),
        entry(
            "reminder-too-soon",
            409,
            en=(
                "Reminder too soon",
                "A payment reminder may only be sent at least 10 days after the previous one (renteloven § 9 b).",
            ),
            da=(
                "Rykker for tidligt",
                "En rykker må først sendes mindst 10 dage efter den forrige (rentelovens § 9 b).",
            ),
            do=(
                "Send it on or after the invoice's next_reminder_on (GET /invoices/overdue).",
                "Send den på eller efter fakturaens next_reminder_on (GET /invoices/overdue).",
            ),
        ),
        entry(
            "reminder-limit-reached",
            409,
            en=(
                "Reminders before collection sent",
                "The payment reminders before collection were sent already (three by default; renteloven § 9 b "
                "allows a fee for at most three).",
            ),
            da=(
                "Rykkerne før inkasso er sendt",
                "Rykkerne før inkasso er allerede sendt (tre som standard; rentelovens § 9 b tillader gebyr for "
                "højst tre).",
            ),
            do=(
                "Take the claim further (inkasso) outside this system.",
                "Send kravet videre (inkasso) uden for systemet.",
            ),
        ),
        # Issue 14 (part E, review): the manual reminder follows the reminder schedule's rule.
        entry(
            "reminder-fee-not-allowed",
            409,
            en=(
                "No fee on this reminder",
                "Renteloven § 9 b allows a reminder fee on at most three reminders; this one comes after them.",
            ),
            da=(
                "Intet gebyr på denne rykker",
                "Rentelovens § 9 b tillader rykkergebyr på højst tre rykkere; denne kommer efter dem.",
            ),
            do=("Record it with fee_ore 0.", "Registrér den med fee_ore 0."),
        ),
        # Issue 10: Stripe webhooks.
        entry(
            "webhook-signature-invalid",
            400,
            en=(
                "Webhook signature invalid",
                "The Stripe-Signature header is missing, malformed, does not sign this body with the endpoint's "
                "secret, or is older than 300 seconds. Nothing was stored.",
            ),
            da=(
                "Ugyldig webhook-signatur",
                "Stripe-Signature-headeren mangler, er forkert udformet, signerer ikke dette indhold med "
                "endepunktets hemmelighed eller er ældre end 300 sekunder. Intet blev gemt.",
            ),
            do=(
                "Send the body exactly as signed, with a fresh signature made with the endpoint's signing secret.",
                "Send indholdet præcis som signeret, med en ny signatur lavet med endepunktets signeringshemmelighed.",
            ),
        ),
        entry(
            "webhook-payload-invalid",
            400,
            en=(
                "Not a Stripe event",
                "The signed body is not a Stripe event: not JSON, or its id, type, created or data.object is "
                "missing. Nothing was stored.",
            ),
            da=(
                "Ikke en Stripe-hændelse",
                "Det signerede indhold er ikke en Stripe-hændelse: ikke JSON, eller id, type, created eller "
                "data.object mangler. Intet blev gemt.",
            ),
            do=(
                "Send the event as Stripe sends it (https://docs.stripe.com/api/events/object).",
                "Send hændelsen, som Stripe sender den (https://docs.stripe.com/api/events/object).",
            ),
        ),
        rule_entry(
            "non-negative-unless-correction",
            en=("Negative minutes", "Only a correction entry may have negative minutes."),
            da=("Negative minutter", "Kun en rettelse må have negative minutter."),
        ),
        entry(
            "approval-differs",
            409,
            en=(
                "Approval differs",
                "The entry was approved before with other facts (minutes, date or rate) than this event carries.",
            ),
            da=(
                "Godkendelsen afviger",
                "Timerne er godkendt før med andre fakta (minutter, dato eller sats), end denne hændelse har.",
            ),
            do=(
                "Nothing to do for the caller; operations look at the event in the dead-letter topic.",
                "Intet for kalderen; driften ser på hændelsen i dead-letter-emnet.",
            ),
        ),
        # Issue 13: a placement event with a negative wage rate (a contract breach, dead-lettered).
        entry(
            "wage-rate-negative",
            409,
            en=("Wage rate below zero", "A placement event carried a wage rate below zero øre per hour."),
            da=("Timeløn under nul", "En hændelse om en placering havde en timeløn under nul øre i timen."),
            do=(
                "Nothing to do for the caller; operations look at the event in the dead-letter topic.",
                "Intet for kalderen; driften ser på hændelsen i dead-letter-emnet.",
            ),
        ),
        # Issue 13, part B (pay inputs): an employee number placement already gave another citizen (a contract
        # breach, dead-lettered).
        entry(
            "employee-number-taken",
            409,
            en=(
                "Employee number taken",
                "A placement event gave a citizen an employee number that another citizen already holds.",
            ),
            da=(
                "Medarbejdernummeret er optaget",
                "En hændelse fra placering gav en borger et medarbejdernummer, som en anden borger allerede har.",
            ),
            do=(
                "Nothing to do for the caller; operations look at the event in the dead-letter topic.",
                "Intet for kalderen; driften ser på hændelsen i dead-letter-emnet.",
            ),
        ),
        # Issue 11: co-financing statements (helper "statements core").
        not_found_entry("statement", en="statement", da="opgørelse"),
        not_found_entry("statement-run", en="statement run", da="opgørelseskørsel"),
        rule_entry(
            "statement-run-through-future",
            en=("Statement run date in the future", "A statement run can only cover periods up to today."),
            da=("Opgørelsesdato i fremtiden", "En opgørelseskørsel kan kun dække perioder til og med i dag."),
        ),
        entry(
            "statement-issued",
            409,
            en=(
                "Statement issued",
                "An issued statement or correction statement is a fact: it is never edited, regenerated, deleted or "
                "issued again.",
            ),
            da=(
                "Opgørelsen er udstedt",
                "En udstedt opgørelse eller korrektionsopgørelse er et faktum: den rettes, dannes igen, slettes eller "
                "udstedes aldrig igen.",
            ),
            do=(
                "Approve a correction: the next statement run drafts a correction statement for hours taken away; "
                "hours added go on the next statement.",
                "Godkend en rettelse: næste opgørelseskørsel laver en korrektionsopgørelse for fjernede timer; timer, "
                "der kommer til, kommer på næste opgørelse.",
            ),
        ),
        entry(
            "statement-empty",
            409,
            en=("Empty statement", "The draft has no lines, or they net to 0 øre: there is nothing to state."),
            da=("Tom opgørelse", "Kladden har ingen linjer, eller de giver 0 øre: der er intet at opgøre."),
            do=(
                "Delete the draft, or regenerate it when hours have been approved.",
                "Slet kladden, eller dan den igen, når der er godkendt timer.",
            ),
        ),
        entry(
            "statement-negative-total",
            409,
            en=(
                "Negative statement",
                "The draft's corrections outweigh its hours; a statement never has a negative total.",
            ),
            da=("Negativ opgørelse", "Kladdens rettelser er større end dens timer; en opgørelse er aldrig negativ."),
            do=(
                "Delete the draft: the next run credits hours taken from issued statements on correction statements.",
                "Slet kladden: næste kørsel krediterer fjernede timer på udstedte opgørelser med "
                "korrektionsopgørelser.",
            ),
        ),
        entry(
            "citizen-reference-missing",
            409,
            en=(
                "Citizen reference missing",
                "A line has no citizen reference of the kind the agreement chooses (the municipality's case number, "
                "or name and birth year): the citizen's referral is not known to invoicing, or the reference it "
                "gives is not usable (it holds a CPR number, which never leaves placement). `errors` names the "
                "citizens.",
            ),
            da=(
                "Borgerreference mangler",
                "En linje mangler den borgerreference, aftalen vælger (kommunens sagsnummer eller navn og fødselsår): "
                "fakturering kender ikke borgerens henvisning, eller referencen kan ikke bruges (den indeholder et "
                "CPR-nummer). `errors` nævner borgerne.",
            ),
            do=(
                "Record the referral (with a case number that is not a CPR number, or the birth year) in placement, "
                "regenerate the draft, then issue.",
                "Registrér henvisningen (med et sagsnummer, der ikke er et CPR-nummer, eller fødselsår), dan kladden "
                "igen, og udsted den.",
            ),
        ),
        entry(
            "agreement-terms-incomplete",
            409,
            en=(
                "Agreement terms incomplete",
                "The municipality's terms in force on the period's last day do not state what issuing needs: the VAT "
                "category and whether the rate excludes VAT (no default: momsloven § 27, stk. 1), the payment means "
                "with its account, the EAN and the person reference (Peppol). `errors` names each missing field.",
            ),
            da=(
                "Aftalens vilkår er ufuldstændige",
                "Kommunens vilkår på periodens sidste dag angiver ikke det, udstedelse kræver: momskategori og om "
                "satsen er uden moms (ingen standard: momslovens § 27, stk. 1), betalingsmåde med konto, EAN og "
                "personreference (Peppol). `errors` nævner hvert felt, der mangler.",
            ),
            do=(
                "Set the missing fields in a new terms version in placement, then issue again.",
                "Angiv de manglende felter i en ny vilkårsversion i placement, og udsted igen.",
            ),
        ),
        entry(
            "correction-exceeds-statement",
            409,
            en=(
                "Correction exceeds the statement",
                "A correction statement never credits more than is left of the statement it corrects after earlier "
                "correction statements.",
            ),
            da=(
                "Korrektion over opgørelsen",
                "En korrektionsopgørelse krediterer aldrig mere, end der er tilbage af den opgørelse, den retter, "
                "efter tidligere korrektionsopgørelser.",
            ),
            do=("Delete the draft correction statement.", "Slet kladden til korrektionsopgørelsen."),
        ),
        # Issue 11: statement documents.
        entry(
            "statement-draft",
            409,
            en=(
                "Statement is a draft",
                "A draft statement has no number and no Peppol document, and it is not sent.",
            ),
            da=(
                "Opgørelsen er en kladde",
                "En kladde til en opgørelse har intet nummer og intet Peppol-dokument, og den sendes ikke.",
            ),
            do=("Issue the statement first.", "Udsted opgørelsen først."),
        ),
        entry(
            "statement-document-pending",
            409,
            en=(
                "Peppol document not ready",
                "The statement's Peppol document is rendered and validated by the official rules shortly after it "
                "is issued, and is not stored yet (or it failed the rules and is retried).",
            ),
            da=(
                "Peppol-dokumentet er ikke klar",
                "Opgørelsens Peppol-dokument dannes og valideres efter de officielle regler kort efter udstedelsen "
                "og er ikke gemt endnu (eller det fejlede reglerne og forsøges igen).",
            ),
            do=(
                "Ask again after the seconds in Retry-After; if it persists, the detail names the failed rules.",
                "Spørg igen efter det antal sekunder, Retry-After angiver; fortsætter det, nævner detaljen de "
                "fejlede regler.",
            ),
        ),
        entry(
            "delivery-differs",
            409,
            en=(
                "Delivery recorded differently",
                "A delivery with this channel and reference was recorded before with another sent_at.",
            ),
            da=(
                "Afsendelsen er registreret anderledes",
                "En afsendelse med denne kanal og reference er registreret før med et andet sent_at.",
            ),
            do=(
                "Send the sent_at recorded first, or use the reference of the new message.",
                "Send det sent_at, der blev registreret først, eller brug referencen på den nye meddelelse.",
            ),
        ),
        rule_entry(
            "reference-required",
            en=("Reference missing", "A Peppol delivery names the access point's message id in reference."),
            da=("Reference mangler", "En Peppol-afsendelse angiver adgangspunktets meddelelses-id i reference."),
        ),
        rule_entry(
            "sent-at-future",
            en=("Sent in the future", "A delivery is recorded once it was sent: sent_at is now or earlier."),
            da=("Afsendt i fremtiden", "En afsendelse registreres, når den er sket: sent_at er nu eller før."),
        ),
        rule_entry(
            "sent-at-before-issue",
            en=("Sent before the issue", "sent_at is before the statement was issued."),
            da=("Afsendt før udstedelsen", "sent_at ligger før opgørelsen blev udstedt."),
        ),
        # Issue 12: a municipality's progress figures.
        rule_entry(
            "as-of-future",
            en=("Date in the future", "Progress figures are stated as of today or an earlier date."),
            da=("Dato i fremtiden", "Tal for fremdrift opgøres pr. i dag eller en tidligere dato."),
        ),
        # Issue 13, part C: pay periods.
        not_found_entry("pay-period", en="pay period", da="lønperiode", by=("start", "startdatoen")),
        not_found_entry("employee", en="employee", da="medarbejder", by=("number", "nummeret")),
        rule_entry(
            "pay-period-not-ended",
            en=("Pay period not ended", "Only a pay period that ended before today can be closed."),
            da=("Lønperioden er ikke slut", "Kun en lønperiode, der sluttede før i dag, kan afsluttes."),
        ),
        rule_entry(
            "pay-period-start-invalid",
            en=("Not the start of a pay period", "A pay period is named by its first day (e.g. the 1st of a month)."),
            da=("Ikke starten på en lønperiode", "En lønperiode angives ved sin første dag (fx den 1. i måneden)."),
        ),
        entry(
            "pay-period-closed",
            409,
            en=("Pay period closed", "The pay period is closed: its wage basis is a fact and is never changed."),
            da=(
                "Lønperioden er afsluttet",
                "Lønperioden er afsluttet: dens løngrundlag er et faktum og ændres aldrig.",
            ),
            do=(
                "Hours approved or corrected later are paid in the next pay period as adjustment lines.",
                "Timer, der godkendes eller rettes senere, kommer med i næste lønperiode som reguleringslinjer.",
            ),
        ),
        entry(
            "pay-period-earlier-open",
            409,
            en=("Earlier pay period open", "Pay periods are closed in order; an earlier one is still open."),
            da=("Tidligere lønperiode åben", "Lønperioder afsluttes i rækkefølge; en tidligere er stadig åben."),
            do=("Close the earlier pay period first.", "Afslut den tidligere lønperiode først."),
        ),
        entry(
            "pay-period-open",
            409,
            en=("Pay period open", "Only a closed pay period has a wage basis to download."),
            da=("Lønperioden er åben", "Kun en afsluttet lønperiode har et løngrundlag, der kan hentes."),
            do=("Close the pay period, or look at its preview.", "Afslut lønperioden, eller se dens forhåndsvisning."),
        ),
    ],
)
# GET /problems/<service>/ and /problems/<service>/{code}: included by app.py.
router = problem_pages(CATALOGUE)
