"""Identity: one login for everyone who uses pages (issue 7 item 4b). See the service README."""
