"""The AI system life cycle as data, and the gates a system passes to enter a stage [A.6.2.5, 8.1].

:mod:`.model` reads the stages, their entry criteria and the decommissioning checklist from
YAML (the shipped defaults or the organisation's file); :mod:`.criteria` holds the named
criterion checks over the register; :mod:`.gates` evaluates a move and records overrides.
"""
