"""`parley bench`: streaming Parley measured against an offline baseline on the same models."""
