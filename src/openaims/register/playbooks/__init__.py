"""Incident playbooks as data: the steps per severity, what closing needs, and the EU AI Act
Art. 73 serious-incident reporting limits [A.8.4, 10.2].

:mod:`.model` reads the shipped ``playbooks.yaml`` or the organisation's file named by
``AIMS_PLAYBOOKS_FILE``; the incident service records steps and applies the closing rules.
"""
