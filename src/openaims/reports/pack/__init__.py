"""Evidence packs: one zip an auditor is handed, with a signed manifest of every file in it."""
