"""Discourse (forum topics, posts, categories, users): `parse` reads the saved API pages that `fetch` lands."""
