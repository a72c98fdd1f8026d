"""One capture and one check of a watch, straight through: resolve the profile, render, extract,
compare with the base record, store the check with its changes and report rows. Failures are
classified here, once."""
