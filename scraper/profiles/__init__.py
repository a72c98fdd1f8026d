"""Site profiles: the YAML format, loading with precise errors, and matching pages to profiles."""

from scraper.profiles.loader import collect_profiles, load_profile_file, load_profiles
from scraper.profiles.schema import FieldSpec, Profile

__all__ = ["FieldSpec", "Profile", "collect_profiles", "load_profile_file", "load_profiles"]
