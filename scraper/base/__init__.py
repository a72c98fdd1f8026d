"""What every layer may use: the error types, safe text for terminals and logs, URLs, `${ENV:NAME}`
references and YAML files read with their line numbers. Imports nothing else of scraper."""
