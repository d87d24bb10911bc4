"""Phase 10 samples."""
