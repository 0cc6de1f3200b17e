"""Benchmarks run by hand or by make targets, never by `make test` (see bench/prepare.sh)."""
