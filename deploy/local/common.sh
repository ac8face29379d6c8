# Sourced by deploy/local/up and deploy/local/test: puts uv on the machine and the workspace in sync.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="$HOME/.local/bin:$PATH"

ensure_uv() {
  if ! command -v uv >/dev/null 2>&1; then
    echo "[vikar] installing uv (pip)" >&2
    python3 -m pip install --quiet --user uv >&2 2>/dev/null || python3 -m pip install --quiet uv >&2
    hash -r
  fi
  command -v uv >/dev/null 2>&1 || { echo "[vikar] uv could not be installed" >&2; exit 1; }
}

sync_workspace() {
  ensure_uv
  (cd "$ROOT" && uv sync --frozen --quiet) || { echo "[vikar] uv sync failed" >&2; exit 1; }
}

ensure_chromium() {
  # The portal's browser tests drive Debian's Chromium through Playwright (no browser download).
  [ -x /usr/bin/chromium ] && return 0
  echo "[vikar] installing Debian's chromium for the browser tests" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
}

ensure_pdf_renderer() {
  # Invoicing renders invoice PDFs with WeasyPrint (a PyPI package), which lays text out with Debian's
  # Pango and needs a font: libpango-1.0-0, libpangoft2-1.0-0 and fonts-dejavu-core (issue 9).
  local missing=()
  ldconfig -p 2>/dev/null | grep -q 'libpango-1\.0\.so\.0' || missing+=(libpango-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1\.0\.so\.0' || missing+=(libpangoft2-1.0-0)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "[vikar] installing Debian packages for the invoice PDF: ${missing[*]}" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

ensure_peppol_artefacts() {
  # The official Peppol BIS Billing 3.0 validation artefacts (issue 11): the CEN EN 16931 and Peppol BIS 3
  # Schematron compiled to XSLT (com.helger.phive.rules:phive-rules-peppol) and the UBL 2.1 XSDs
  # (com.helger.ubl:ph-ubl21), unpacked once by Maven (deploy/local/peppol/pom.xml) into
  # ${VIKAR_STACK_DIR:-<repo>/.stack}/peppol, where invoicing.peppol.validation finds them.
  # Fetched again when the pom changes (another release): .complete holds the pom's digest.
  local dir=${VIKAR_STACK_DIR:-$ROOT/.stack}/peppol pom=$ROOT/deploy/local/peppol/pom.xml stamp
  stamp=$(sha256sum "$pom" | cut -d' ' -f1)
  [ "$(cat "$dir/.complete" 2>/dev/null)" = "$stamp" ] && return 0
  if ! command -v mvn >/dev/null 2>&1; then
    echo "[vikar] installing Debian's maven to fetch the Peppol validation artefacts" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >&2
  fi
  echo "[vikar] fetching the Peppol validation artefacts with Maven (once; cached in $dir)" >&2
  mkdir -p "$dir"
  mvn -q -B -f "$pom" dependency:unpack -Dpeppol.dir="$dir" >&2 \
    || { echo "[vikar] fetching the Peppol validation artefacts failed" >&2; return 1; }
  echo "$stamp" >"$dir/.complete"
}
