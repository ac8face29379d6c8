"""Invoice documents: the PDF of an issued invoice (rendered by the worker after issuing) and the CSV of
the entries behind its lines."""
