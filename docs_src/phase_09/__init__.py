"""Phase 9 samples."""
