"""The TogetherOS platform's own tables: `parse` only (files from the inbox)."""
