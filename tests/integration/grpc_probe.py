#!/usr/bin/python3
"""An independent gRPC client for the tests: Python grpcio with stubs generated at run time from
the standard grpc.health.v1 and grpc.reflection.v1alpha protos (Debian's grpc-proto package).

  grpc_probe.py health --target H:P [--ca F --cert F --key F] [--service S] --expect SERVING --timeout 10
  grpc_probe.py services --target H:P --ca F --cert F --key F
  grpc_probe.py raw --target H:P --ca F --cert F --key F --method /pkg.Service/Method --hex BYTES
  grpc_probe.py burst --target H:P --ca F --cert F --key F --calls N --resident-id ID

health: polls Check until the status equals --expect (exit 0) or the timeout passes (exit 1).
services: lists the services the server's reflection reports, one per line.
raw: sends BYTES as the request of a unary method and prints the status code and message.
burst: starts N GetBorrowerExposure calls at once (stubs generated from the repository's protos)
  and prints how many ended with each status code.
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


def raw(args):
    call = channel(args).unary_unary(args.method)  # no serializers: bytes in, bytes out
    try:
        call(bytes.fromhex(args.hex), timeout=args.timeout)
        print("OK")
    except grpc.RpcError as e:
        print("%s: %s" % (e.code().name, e.details()))
    return 0


def burst(args):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto")
    scratch = tempfile.mkdtemp(prefix="creditshare-probe-")
    protos = [os.path.join("creditshare", "v1", f) for f in os.listdir(os.path.join(root, "creditshare", "v1"))]
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", root, "--python_out", scratch,
                    "--grpc_python_out", scratch] + protos, check=True)
    sys.path.insert(0, scratch)
    pb2 = importlib.import_module("creditshare.v1.inquiry_service_pb2")
    pb2_grpc = importlib.import_module("creditshare.v1.inquiry_service_pb2_grpc")
    common = importlib.import_module("creditshare.v1.common_pb2")
    stub = pb2_grpc.InquiryServiceStub(channel(args))
    request = pb2.GetBorrowerExposureRequest(resident_id=args.resident_id, purpose=common.PURPOSE_LOAN_APPROVAL,
                                             consent_reference="DEMO-BURST")
    futures = [stub.GetBorrowerExposure.future(request, timeout=args.timeout) for _ in range(args.calls)]
    codes = {}
    for f in futures:
        name = f.code().name
        codes[name] = codes.get(name, 0) + 1
    print("%d calls in flight at once: %s" % (args.calls, ", ".join("%d %s" % (n, c) for c, n in sorted(codes.items()))))
    return 0 if codes.get("OK", 0) == args.calls else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["health", "services", "raw", "burst"])
    p.add_argument("--method")
    p.add_argument("--hex", default="")
    p.add_argument("--calls", type=int, default=100)
    p.add_argument("--resident-id")
    p.add_argument("--target", required=True)
    p.add_argument("--ca")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--service", default="")
    p.add_argument("--expect", default="SERVING")
    p.add_argument("--timeout", type=float, default=10)
    args = p.parse_args()
    return {"health": health, "services": services, "raw": raw, "burst": burst}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
