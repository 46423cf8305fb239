"""Plain-text double-entry books (ledger-cli, hledger, beancount): `parse` only (files from the inbox)."""
