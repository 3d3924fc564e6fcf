"""Tolk wire contract (generated protobuf code lives in tolk.v1)."""
