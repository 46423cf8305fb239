"""Decidim (proposals, votes, budgets, accountability results, meetings, comments): `parse` reads the open-data
export and the GraphQL pages that `fetch` lands."""
