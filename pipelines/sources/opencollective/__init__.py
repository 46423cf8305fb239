"""Open Collective (treasury ledger): `parse` reads the transactions export and the GraphQL pages that
`fetch` lands; `reconcile` checks balances and transaction legs."""
