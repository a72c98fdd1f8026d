"""Change reports: render a check's changes for people, queue them, deliver them once.

- pure: `report` (the payload a report carries), `sections` (changes grouped for reading),
  `render` (Jinja2 templates → subject, text, HTML), `message` (a MIME email), `digests` (when a
  digest is due);
- edges: `outbox` (rows written in the check's transaction), `delivery` (send, mark, retry) and
  `channels/` (email by SMTP or as .eml files, Apprise, webhooks), found by URL scheme.

Nothing is imported here, so that importing a pure module never pulls in the edges.
"""
