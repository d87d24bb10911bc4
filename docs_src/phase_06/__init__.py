"""Phase 6 samples."""
