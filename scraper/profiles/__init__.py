"""Site profiles: the YAML format, loading with precise errors, and matching pages to profiles."""

from scraper.profiles.loader import load_profile_file, load_profiles
from scraper.profiles.schema import FieldSpec, Profile

__all__ = ["FieldSpec", "Profile", "load_profile_file", "load_profiles"]
