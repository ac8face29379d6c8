"""Validation of UBL documents by the official artefacts: the UBL 2.1 XSD (lxml) and the CEN EN 16931 and
Peppol BIS 3 Schematron rules compiled to XSLT (saxonche, XSLT 3).

The artefacts are the published ones, unpacked by ``deploy/local/peppol/pom.xml`` (``ensure_peppol_artefacts``
in ``deploy/local/common.sh``; ``deploy/local/test`` and ``deploy/local/up`` call it) into one directory:

- ``external/schemas/ubl21/maindoc/UBL-Invoice-2.1.xsd`` and ``UBL-CreditNote-2.1.xsd`` (with ``../common/``),
  from ``com.helger.ubl:ph-ubl21`` 10.2.0;
- ``external/schematron/openpeppol/2026.5/xslt/CEN-EN16931-UBL.xslt`` (the CEN EN 16931 rules, ``BR-*``) and
  ``PEPPOL-EN16931-UBL.xslt`` (Peppol BIS Billing 3.0, ``PEPPOL-*``, with the Danish national rules ``DK-R-*``),
  from ``com.helger.phive.rules:phive-rules-peppol`` 4.3.7 (release 2026.5).

The directory: ``InvoicingSettings.peppol_artefacts_dir`` (``INVOICING_PEPPOL_ARTEFACTS_DIR``), else
``$VIKAR_STACK_DIR/peppol``, else ``<repo>/.stack/peppol``. Missing artefacts raise
:class:`PeppolArtefactsMissingError` saying how to fetch them.

Order, as the Peppol validators run it: the XSD first; a document the XSD refuses gets only those findings
(rule id ``XSD``; one that is not XML at all ``XML``; both ``fatal``), since the Schematron rules assume a
schema-valid document. Then the CEN rules, then the Peppol rules; each ``svrl:failed-assert`` becomes a
:class:`Finding` (its ``@id``, ``@flag``, ``svrl:text``, ``@location``).

Cost and threads: the XSDs and the two big XSLTs are compiled once per process and artefacts directory (the
first :func:`validate` or :func:`validator` call; ``Validator.compile_seconds``), never per document.
:func:`validate` may be called from any thread: each thread transforms with its own clone of the compiled
stylesheets (``XsltExecutable.clone``: parameters and properties are per clone, the compiled code shared),
and the lxml schemas are used under a lock. It blocks (tens of milliseconds for a statement of 100 lines):
async code calls it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonProcessor

RULES_RELEASE = "2026.5"
XSLT_DIR = Path("external/schematron/openpeppol") / RULES_RELEASE / "xslt"
# The CEN EN 16931 rules first, then Peppol BIS 3 (with the Danish DK-R rules), as the Peppol validators do.
SCHEMATRON_LAYERS = (XSLT_DIR / "CEN-EN16931-UBL.xslt", XSLT_DIR / "PEPPOL-EN16931-UBL.xslt")
XSD_DIR = Path("external/schemas/ubl21/maindoc")
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
SCHEMAS = {
    f"{{{UBL_INVOICE}}}Invoice": XSD_DIR / "UBL-Invoice-2.1.xsd",
    f"{{{UBL_CREDIT_NOTE}}}CreditNote": XSD_DIR / "UBL-CreditNote-2.1.xsd",
}
# ph-ubl21's common XSDs import these by namespace only (ph-ubl21 ships them in other jars): imported by location
# first, libxml2 has them when the UBL schemas ask.
PH_XSDS = Path("external/ph-xsds/schemas")
IMPORTED_BY_NAMESPACE = (
    ("urn:un:unece:uncefact:data:specification:CoreComponentTypeSchemaModule:2", PH_XSDS / "CCTS_CCT_SchemaModule.xsd"),
    ("http://www.w3.org/2000/09/xmldsig#", PH_XSDS / "xmldsig-core-schema.xsd"),
    ("http://uri.etsi.org/01903/v1.3.2#", PH_XSDS / "XAdES01903v132-201601.xsd"),
    ("http://uri.etsi.org/01903/v1.4.1#", PH_XSDS / "XAdES01903v141-201601.xsd"),
)
SVRL = "http://purl.oclc.org/dsdl/svrl"
XSD = "http://www.w3.org/2001/XMLSchema"
HOW_TO_FETCH = (
    "fetch them with deploy/local/test or deploy/local/up (they call ensure_peppol_artefacts), or by hand: "
    "`source deploy/local/common.sh && ensure_peppol_artefacts` (Maven; VIKAR_STACK_DIR chooses the stack), "
    "or point INVOICING_PEPPOL_ARTEFACTS_DIR at a directory holding them"
)


class PeppolArtefactsMissingError(RuntimeError):
    """The validation artefacts are not where the settings point; the message says where and how to fetch."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed assertion: the rule id (e.g. ``BR-CO-15``, ``DK-R-005``; ``XSD`` for the schema, ``XML``
    for a document that is not XML), ``fatal`` or ``warning``, the text, and where (an XPath, or
    ``line N`` for the schema)."""

    rule_id: str
    flag: str
    text: str
    location: str = ""

    def __str__(self) -> str:
        return f"{self.rule_id} ({self.flag}) {self.text}" + (f" at {self.location}" if self.location else "")


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Every finding, in the order of the layers (XSD, CEN, Peppol). ``valid``: no fatal finding (warnings
    allowed, as Peppol access points do)."""

    findings: tuple[Finding, ...]

    @property
    def fatal(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flag == "fatal")

    @property
    def valid(self) -> bool:
        return not self.fatal

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The distinct rule ids of the findings, sorted."""
        return tuple(sorted({f.rule_id for f in self.findings}))

    def describe(self) -> str:
        """One line per finding (``rule id (flag) text at location``), or ``valid, no findings``."""
        return "\n".join(str(f) for f in self.findings) or "valid, no findings"


def artefacts_dir() -> Path:
    """Where the artefacts are expected (the settings, else ``$VIKAR_STACK_DIR/peppol``, else
    ``<repo>/.stack/peppol``); not checked here."""
    from invoicing.config import InvoicingSettings

    configured = InvoicingSettings().peppol_artefacts_dir
    if configured:
        return Path(configured)
    stack = os.environ.get("VIKAR_STACK_DIR")
    if stack:
        return Path(stack) / "peppol"
    return Path(__file__).resolve().parents[5] / ".stack" / "peppol"


class Validator:
    """The compiled artefacts of one directory (see the module's notes on cost and threads).

    Raises :class:`PeppolArtefactsMissingError` when a file is missing. ``compile_seconds``: what compiling took."""

    def __init__(self, directory: Path) -> None:
        started = time.perf_counter()
        needed = [
            directory / p for p in (*SCHEMAS.values(), *(p for _, p in IMPORTED_BY_NAMESPACE), *SCHEMATRON_LAYERS)
        ]
        missing = [str(p) for p in needed if not p.is_file()]
        if missing:
            raise PeppolArtefactsMissingError(
                f"the Peppol validation artefacts are missing from {directory} (no {', '.join(missing)}); "
                + HOW_TO_FETCH
            )
        self.directory = directory
        self._schemas = {root: _schema(directory, root, path) for root, path in SCHEMAS.items()}
        self._schema_lock = threading.Lock()
        self._saxon = PySaxonProcessor(license=False)
        compiler = self._saxon.new_xslt30_processor()
        self._layers = tuple(
            compiler.compile_stylesheet(stylesheet_file=str(directory / layer)) for layer in SCHEMATRON_LAYERS
        )
        self._per_thread = threading.local()
        self.compile_seconds = time.perf_counter() - started

    def _thread_layers(self) -> tuple[Any, ...]:
        layers: tuple[Any, ...] | None = getattr(self._per_thread, "layers", None)
        if layers is None:
            layers = tuple(layer.clone() for layer in self._layers)
            self._per_thread.layers = layers
        return layers

    def validate(self, document: bytes) -> ValidationReport:
        """Every finding of the XSD and both Schematron layers on ``document`` (UTF-8 XML bytes)."""
        try:
            tree = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as error:
            return ValidationReport((Finding("XML", "fatal", f"not well-formed XML: {error}"),))
        schema = self._schemas.get(tree.tag)
        if schema is None:
            text = f"the root element {tree.tag} is neither a UBL 2.1 Invoice nor a CreditNote"
            return ValidationReport((Finding("XSD", "fatal", text),))
        with self._schema_lock:
            schema_valid = schema.validate(tree)
            errors = list(schema.error_log)
        if not schema_valid:
            return ValidationReport(tuple(Finding("XSD", "fatal", e.message, f"line {e.line}") for e in errors))
        node = self._saxon.parse_xml(xml_text=document.decode("utf-8"))
        findings: list[Finding] = []
        for layer in self._thread_layers():
            findings.extend(_failed_asserts(layer.transform_to_string(xdm_node=node)))
        return ValidationReport(tuple(findings))


def _schema(directory: Path, root: str, path: Path) -> etree.XMLSchema:
    """The UBL schema of ``root`` (``{namespace}name``) at ``path``, by a wrapper importing the schemas UBL
    imports by namespace only and then it, all by location."""
    imports = (*IMPORTED_BY_NAMESPACE, (etree.QName(root).namespace, path))
    wrapper = etree.Element(etree.QName(XSD, "schema"))
    for namespace, location in imports:
        etree.SubElement(
            wrapper,
            etree.QName(XSD, "import"),
            namespace=namespace,
            schemaLocation=(directory / location).resolve().as_uri(),
        )
    return etree.XMLSchema(wrapper)


def _failed_asserts(svrl: str) -> list[Finding]:
    report = etree.fromstring(svrl.encode("utf-8"))
    return [
        Finding(
            rule_id=node.get("id", ""),
            flag=node.get("flag", "fatal"),
            text=" ".join("".join(node.findtext(f"{{{SVRL}}}text", "")).split()),
            location=node.get("location", ""),
        )
        for node in report.iter(f"{{{SVRL}}}failed-assert")
    ]


_validators: dict[Path | None, Validator] = {}
_validators_lock = threading.Lock()


def validator(directory: Path | None = None) -> Validator:
    """The process's compiled :class:`Validator` of ``directory`` (default :func:`artefacts_dir`, resolved
    once per process), compiled on first use. Raises :class:`PeppolArtefactsMissingError`."""
    with _validators_lock:
        found = _validators.get(directory)
        if found is None:
            found = _validators[directory] = Validator(directory or artefacts_dir())
        return found


def validate(document: bytes) -> ValidationReport:
    """Every finding of the XSD and both Schematron layers on ``document`` (UTF-8 XML bytes), by the
    artefacts of :func:`artefacts_dir`. Raises :class:`PeppolArtefactsMissingError` when they are not there."""
    return validator().validate(document)
