"""Phase 5 samples."""
