"""Configuration files shipped with Parley (``default.yaml``)."""
