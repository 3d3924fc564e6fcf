"""Generated gRPC code for tolk.v1; regenerate with scripts/gen_proto.sh."""
