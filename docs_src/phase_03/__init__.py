"""Phase 3 samples."""
