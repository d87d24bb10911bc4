"""Phase 8 samples."""
