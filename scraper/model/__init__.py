"""The pure core: the record, what a rendered page hands to extraction, change detection and word
diffs, how a page is fetched, schedules and active windows. Plain data in, plain data out: no
browser, no database, no clock of its own."""
