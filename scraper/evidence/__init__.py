"""Evidence captures: every artifact of one browser session, packaged as a signed WACZ.

Recorders (`artifacts`, `facts`, `network`) attach to the one render; `wacz`, `signing`,
`timestamp` and `verify` are functions over files and keys, testable without a browser;
`recording` and `bundle` put them together, `batch` runs many.
"""
