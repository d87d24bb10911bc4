"""Phase 7 samples."""
