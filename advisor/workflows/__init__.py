"""The workflows: every command of advisor as a library call.

One module per workflow (lint and dups, advise, report and check, the
questionnaire session, baseline, the docs probe, train): typed settings in
(``advisor.workflows.settings``), a typed result out; nothing here prints or
exits. The command line parses its flags into the same settings, calls one
workflow and prints; ``advisor.api`` re-exports these calls for Python users.
"""
