"""Site profiles: the YAML format, loading with precise errors, and matching pages to profiles."""

from scraper.profiles.loader import (
    collect_profiles,
    is_profile_file,
    load_profile_file,
    load_profiles,
    profile_origins,
)
from scraper.profiles.schema import FieldSpec, Profile

__all__ = [
    "FieldSpec",
    "Profile",
    "collect_profiles",
    "is_profile_file",
    "load_profile_file",
    "load_profiles",
    "profile_origins",
]
