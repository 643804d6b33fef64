#!/usr/bin/python3
"""An independent gRPC client for the tests: Python grpcio with stubs generated at run time from
the standard grpc.health.v1 and grpc.reflection.v1alpha protos (Debian's grpc-proto package).

  grpc_probe.py health --target H:P [--ca F --cert F --key F] [--service S] --expect SERVING --timeout 10
  grpc_probe.py services --target H:P --ca F --cert F --key F

health: polls Check until the status equals --expect (exit 0) or the timeout passes (exit 1).
services: lists the services the server's reflection reports, one per line.
"""
import argparse
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

import grpc

PROTO_ROOT = "/usr/share/grpc-proto/grpc"


def load_stubs(proto_rel, name):
    # Copied flat into a scratch dir: generating under grpc/... would shadow the grpc module.
    scratch = tempfile.mkdtemp(prefix="creditshare-probe-")
    shutil.copy(os.path.join(PROTO_ROOT, proto_rel), os.path.join(scratch, name + ".proto"))
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", scratch, "--python_out", scratch,
                    "--grpc_python_out", scratch, name + ".proto"], check=True)
    sys.path.insert(0, scratch)
    return importlib.import_module(name + "_pb2"), importlib.import_module(name + "_pb2_grpc")


def channel(args):
    if not args.ca:
        return grpc.insecure_channel(args.target)
    read = lambda p: open(p, "rb").read()
    creds = grpc.ssl_channel_credentials(read(args.ca), read(args.key), read(args.cert))
    return grpc.secure_channel(args.target, creds)


def health(args):
    pb2, pb2_grpc = load_stubs("health/v1/health.proto", "health")
    stub = pb2_grpc.HealthStub(channel(args))
    deadline = time.monotonic() + args.timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status = stub.Check(pb2.HealthCheckRequest(service=args.service), timeout=2)
            last = pb2.HealthCheckResponse.ServingStatus.Name(status.status)
            if last == args.expect:
                print(last)
                return 0
        except grpc.RpcError as e:
            last = "rpc error " + e.code().name
        time.sleep(0.1)
    print("expected %s, last saw %s" % (args.expect, last), file=sys.stderr)
    return 1


def services(args):
    pb2, pb2_grpc = load_stubs("reflection/v1alpha/reflection.proto", "reflection")
    stub = pb2_grpc.ServerReflectionStub(channel(args))
    replies = stub.ServerReflectionInfo(iter([pb2.ServerReflectionRequest(list_services="")]), timeout=5)
    for reply in replies:
        for s in reply.list_services_response.service:
            print(s.name)
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["health", "services"])
    p.add_argument("--target", required=True)
    p.add_argument("--ca")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--service", default="")
    p.add_argument("--expect", default="SERVING")
    p.add_argument("--timeout", type=float, default=10)
    args = p.parse_args()
    return health(args) if args.mode == "health" else services(args)


if __name__ == "__main__":
    sys.exit(main())
